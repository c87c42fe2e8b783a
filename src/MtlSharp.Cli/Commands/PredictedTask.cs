using MtlSharp.Data.Tasks;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// One task of <c>mtl predict</c>'s output: its index in the model, its kind, the names of its outputs (class names
/// of a classification task, label columns of a multi-label task) and, for regression, the standardisation to undo.
/// </summary>
internal sealed record PredictedTask(string Name, int Index, TaskKind Kind, IReadOnlyList<string> Names, double Mean = 0, double Std = 1);
