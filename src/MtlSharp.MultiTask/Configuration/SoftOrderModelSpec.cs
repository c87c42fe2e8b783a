namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Soft layer ordering (<c>model.type</c> "soft-order"; Meyerson &amp; Miikkulainen 2018): <see cref="Layers"/> shared
/// layers of width <c>ExpertSizes[0]</c> mixed at <see cref="Depth"/> depths by each task's learned soft ordering
/// (<see cref="Models.Experts.SoftOrderedNetwork"/>).
/// </summary>
public sealed record SoftOrderModelSpec : ExpertModelSpec
{
    /// <summary>Number of shared layers J.</summary>
    public required int Layers { get; init; }

    /// <summary>Depths D (default: the number of layers).</summary>
    public required int Depth { get; init; }
}
