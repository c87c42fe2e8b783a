using MtlSharp.MultiTask.Models.Experts;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Multi-gate mixture of experts (<c>model.type</c> "mmoe"; Ma et al. 2018): <see cref="Experts"/> shared experts and
/// a softmax gate per task (<see cref="GateMode.PerTask"/>) or one for all tasks (<see cref="GateMode.One"/>).
/// </summary>
public sealed record MmoeModelSpec : ExpertModelSpec
{
    /// <summary>Number of experts.</summary>
    public required int Experts { get; init; }

    /// <summary>Per-task gates or one gate.</summary>
    public GateMode Gates { get; init; } = GateMode.PerTask;

    /// <summary>DSelect-k gates in place of softmax gates (<c>"gate": "dselect-k"</c>), or null.</summary>
    public DSelectOptions? DSelect { get; init; }
}
