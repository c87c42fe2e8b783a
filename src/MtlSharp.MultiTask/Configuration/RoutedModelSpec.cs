using MtlSharp.MultiTask.Models.Routing;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A routed network (Gumbel-Matrix paper, Fig. 3): routed layers of components (MLPs, convolutions, or groups of
/// MLPs of different depths) with shared pooling between them, then optionally per-task heads (linear, or MLPs
/// with <see cref="HeadSizes"/>). With
/// <see cref="RouterKind.SharedBottom"/> it is a hard-sharing network, with <see cref="RouterKind.NoSharing"/> one
/// network per task.
/// </summary>
public sealed record RoutedModelSpec : ModelSpec
{
    /// <summary>The allocation of every routed layer.</summary>
    public RouterKind Router { get; init; } = RouterKind.Gumbel;

    /// <summary>With <see cref="RouterKind.Fixed"/>: tasks × components of 0/1.</summary>
    public int[][]? Allocation { get; init; }

    /// <summary>Initial connection probability of a Gumbel router.</summary>
    public float PInit { get; init; } = 0.5f;

    /// <summary>Budget b (null: no budget penalty).</summary>
    public float? Budget { get; init; }

    /// <summary>Soft parameter sharing: λ of the L2 tie between each layer's components (0: none).</summary>
    public float SoftSharing { get; init; }

    /// <summary>Budget penalty weight λ.</summary>
    public float BudgetLambda { get; init; } = 1f;

    /// <summary>How active components are combined.</summary>
    public CombineMode Combine { get; init; } = CombineMode.Mean;

    /// <summary>Gumbel-Softmax temperature schedule.</summary>
    public TemperatureSchedule Temperature { get; init; } = TemperatureSchedule.Annealed;

    /// <summary>The stages, in order.</summary>
    public required IReadOnlyList<LayerSpec> Layers { get; init; }

    /// <summary>A head per task after the last stage.</summary>
    public bool Heads { get; init; } = true;

    /// <summary>
    /// Widths of each head's hidden layers (linear + ReLU, per task) before its output layer; empty: linear heads.
    /// </summary>
    public IReadOnlyList<int> HeadSizes { get; init; } = [];

    /// <summary>Dropout before the heads.</summary>
    public float Dropout { get; init; }

    /// <summary>L2 penalty λ/2·Σw² on weight matrices and kernels (0: none).</summary>
    public float L2 { get; init; }

    /// <summary>
    /// <see cref="RouterKind.Moe"/>: components kept per example in each routed layer; null anneals k linearly
    /// from the layer's component count (first layer) to 2 (last), as Ramachandran &amp; Le do (7 → 2).
    /// </summary>
    public IReadOnlyList<int>? TopK { get; init; }

    /// <summary><see cref="RouterKind.Moe"/>: initial weight of the expert-balancing loss, annealed to 0 over training.</summary>
    public float ExpertBalance { get; init; } = 0.1f;

    /// <summary><see cref="RouterKind.Moe"/>: whether the gates add their learned noise in training (default true).</summary>
    public bool GateNoise { get; init; } = true;
}
