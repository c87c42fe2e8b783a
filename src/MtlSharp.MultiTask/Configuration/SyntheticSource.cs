namespace MtlSharp.MultiTask.Configuration;

/// <summary>The Gumbel-Matrix paper's synthetic regression tasks (clusters of related tasks; no download).</summary>
public sealed record SyntheticSource : DataSource
{
    /// <summary>Tasks per cluster.</summary>
    public IReadOnlyList<int> Clusters { get; init; } = [2, 2];

    /// <summary>Relatedness within a cluster.</summary>
    public double Rho { get; init; } = 1.0;

    /// <summary>Training examples per task.</summary>
    public int Train { get; init; } = 100_000;

    /// <summary>Test examples per task.</summary>
    public int Test { get; init; } = 10_000;

    /// <summary>Every task reads the same inputs x (the generator's default); false: each task draws its own.</summary>
    public bool SharedInputs { get; init; } = true;
}
