namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Progressive layered extraction (<c>model.type</c> "ple"; Tang et al. 2020; one level is CGC): per level,
/// <see cref="SharedExperts"/> shared and <see cref="TaskExperts"/> per-task experts, task gates over their own and the
/// shared experts, and a shared gate over all of them at inner levels.
/// </summary>
public sealed record PleModelSpec : ExpertModelSpec
{
    /// <summary>Number of extraction levels (1: CGC).</summary>
    public int Levels { get; init; } = 1;

    /// <summary>Shared experts per level.</summary>
    public required int SharedExperts { get; init; }

    /// <summary>Experts per task and level.</summary>
    public required int TaskExperts { get; init; }
}
