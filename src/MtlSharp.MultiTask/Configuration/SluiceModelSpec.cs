namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Sluice networks for dense layers (<c>model.type</c> "sluice"; Ruder et al. 2019): per task a column of layers of
/// widths <c>ExpertSizes</c>, an α unit over <see cref="Subspaces"/> subspaces after each, a β mixture of the layers
/// and the subspace orthogonality penalty (<see cref="Models.Experts.SluiceNetwork"/>); or, with <see cref="Layers"/>,
/// per task a conv column whose subspaces are channel groups (<see cref="Models.Experts.ConvSluiceNetwork"/>).
/// </summary>
public sealed record SluiceModelSpec : ExpertModelSpec
{
    /// <summary>Subspaces per layer (1: plain cross-stitch units).</summary>
    public int Subspaces { get; init; } = 2;

    /// <summary>Whether each task reads a learned β mixture of its layers (else its last layer).</summary>
    public bool LayerMixing { get; init; } = true;

    /// <summary>Weight of the subspace orthogonality penalty.</summary>
    public float Orthogonality { get; init; } = 0.1f;

    /// <summary>
    /// Conv columns instead of dense ones (<c>model.layers</c>: conv, maxpool and mlp stages, one column per task;
    /// <see cref="ExpertModelSpec.ExpertSizes"/> is then empty); null: dense columns.
    /// </summary>
    public IReadOnlyList<LayerSpec>? Layers { get; init; }
}
