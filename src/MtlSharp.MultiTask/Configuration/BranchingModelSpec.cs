namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Learned branching (<c>model.type</c> "branching"; Guo et al. 2020): layers of <see cref="Nodes"/>[l] dense nodes of
/// width <c>ExpertSizes[0]</c>, each node choosing its parent and each task its leaf by learned categorical logits
/// (<see cref="Models.Experts.BranchedNetwork"/>).
/// </summary>
public sealed record BranchingModelSpec : ExpertModelSpec
{
    /// <summary>Nodes per layer (the first usually 1: a single root).</summary>
    public required IReadOnlyList<int> Nodes { get; init; }
}
