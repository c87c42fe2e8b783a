namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Cross-stitch networks for dense layers (<c>model.type</c> "cross-stitch"; Misra et al. 2016): per task a column of
/// layers of widths <c>ExpertSizes</c>, a learned T × T cross-stitch unit after each
/// (<see cref="Models.Experts.CrossStitchNetwork"/>).
/// </summary>
public sealed record CrossStitchModelSpec : ExpertModelSpec
{
    /// <summary>Initial diagonal of every cross-stitch matrix (the rest of each row shares 1 − it).</summary>
    public float SelfWeight { get; init; } = 0.9f;
}
