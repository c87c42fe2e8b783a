namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Cross-stitch networks for dense layers (<c>model.type</c> "cross-stitch"; Misra et al. 2016): per task a column of
/// layers of widths <c>ExpertSizes</c>, a learned T × T cross-stitch unit after each
/// (<see cref="Models.Experts.CrossStitchNetwork"/>); or, with <see cref="Layers"/>, per task a conv column
/// (<see cref="Models.Experts.ConvCrossStitchNetwork"/>).
/// </summary>
public sealed record CrossStitchModelSpec : ExpertModelSpec
{
    /// <summary>Initial diagonal of every cross-stitch matrix (the rest of each row shares 1 − it).</summary>
    public float SelfWeight { get; init; } = 0.9f;

    /// <summary>
    /// Misra et al.'s channel-wise variant (<c>model.channelWise</c>): one α per channel of every unit (conv columns:
    /// per channel of the feature maps; dense columns and mlp stages: per unit), each initialised as the shared one.
    /// </summary>
    public bool ChannelWise { get; init; }

    /// <summary>
    /// Conv columns instead of dense ones (<c>model.layers</c>: conv, maxpool and mlp stages, one column per task;
    /// <see cref="ExpertModelSpec.ExpertSizes"/> is then empty); null: dense columns.
    /// </summary>
    public IReadOnlyList<LayerSpec>? Layers { get; init; }
}
