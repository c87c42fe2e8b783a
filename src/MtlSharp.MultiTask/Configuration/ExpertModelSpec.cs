namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A mixture-of-experts model over flat inputs (<see cref="MmoeModelSpec"/>: <c>model.type</c> "mmoe";
/// <see cref="PleModelSpec"/>: "ple"): experts are MLPs of widths <see cref="ExpertSizes"/> (ReLU after every layer),
/// each task's tower has hidden layers <see cref="TowerSizes"/> then its output layer.
/// </summary>
public abstract record ExpertModelSpec : ModelSpec
{
    /// <summary>Widths of each expert's layers (the input width follows from the data or the previous level).</summary>
    public required IReadOnlyList<int> ExpertSizes { get; init; }

    /// <summary>Widths of each tower's hidden layers (linear + ReLU) before its output layer; empty: linear towers.</summary>
    public IReadOnlyList<int> TowerSizes { get; init; } = [];
}
