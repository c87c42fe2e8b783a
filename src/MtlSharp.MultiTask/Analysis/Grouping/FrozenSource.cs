using MtlSharp.MultiTask.Models;
using MtlSharp.NN;

namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>
/// A trained network as the frozen source of a transfer run (Taskonomy-style, Zamir et al. 2018): every parameter that
/// is not task-specific (<see cref="ParameterRole.Task"/>: heads, towers, task gates, a tagger's output MLP; so a
/// tagger's embeddings, character BiLSTM and BiLSTM stack are frozen) is copied from the source and
/// stops receiving gradients, so training moves only the target task's own parameters.
/// </summary>
public static class FrozenSource
{
    /// <summary>Copies of <paramref name="model"/>'s parameters that are not task-specific, by name.</summary>
    public static Dictionary<string, float[]> Snapshot(IMultiTaskModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Module.NamedParameters().Where(p => p.Parameter.Kind.Role != ParameterRole.Task)
            .ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Throws unless <paramref name="model"/> has task-specific parameters, the only ones a transfer run trains.</summary>
    public static void RequireTaskParameters(IMultiTaskModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Module.Parameters(ParameterRole.Task).Any())
        {
            throw new ArgumentException("Transfer trains only a target's task-specific parameters (heads, towers, task gates) over a frozen source network, but this model has none; give it per-task heads (model.heads true for routed models).");
        }
    }

    /// <summary>
    /// Loads every parameter of <paramref name="model"/> that is not task-specific from <paramref name="source"/> (a
    /// <see cref="Snapshot"/> of a network of the same architecture) and freezes it. Throws when a parameter is missing
    /// or of another size (naming <paramref name="what"/>), and when the model has no task-specific parameters to train.
    /// </summary>
    public static void Load(IMultiTaskModel model, IReadOnlyDictionary<string, float[]> source, string what)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        RequireTaskParameters(model);
        var named = model.Module.NamedParameters();

        foreach (var (name, p) in named)
        {
            if (p.Kind.Role == ParameterRole.Task)
            {
                continue;
            }

            if (!source.TryGetValue(name, out var values) || values.Length != p.Length)
            {
                throw new InvalidOperationException($"{what}: the source network has no parameter '{name}' of {p.Length} values; source and target networks must have the same architecture.");
            }

            values.CopyTo(p.Data);
            p.Value.RequiresGrad = false;
        }
    }
}
