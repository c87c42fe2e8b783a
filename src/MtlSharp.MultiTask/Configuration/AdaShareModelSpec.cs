using MtlSharp.MultiTask.Models.Experts;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Learned layer selection (<c>model.type</c> "adashare"; Sun et al. 2020): an encoder to <c>ExpertSizes[0]</c>, then
/// <see cref="Blocks"/> shared residual blocks that every task executes or skips by a learned policy
/// (<see cref="AdaShareNetwork"/>).
/// </summary>
public sealed record AdaShareModelSpec : ExpertModelSpec
{
    /// <summary>Number of residual blocks.</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Policy schedule and regularisers.</summary>
    public AdaShareOptions Options { get; init; } = new();
}
