using MtlSharp.MultiTask.Models.Routing;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>One stage of <see cref="ConvColumns"/>: its kind, its per-task parameters (conv or mlp) and, for pooling, window and stride.</summary>
/// <param name="Kind">What the stage computes.</param>
/// <param name="Conv">The T convolutions (conv stages).</param>
/// <param name="Mlp">The T MLPs (mlp stages).</param>
/// <param name="Kernel">Kernel (conv) or window (pooling).</param>
/// <param name="Stride">Pooling stride.</param>
internal sealed record ColumnStage(ColumnStageKind Kind, ConvComponents? Conv, MlpComponents? Mlp, int Kernel, int Stride);
