using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Models.Tagging;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// The BiLSTM sequence tagger family of the sluice-network paper: one method's architecture (single task, hard
/// sharing, low supervision, cross-stitch, sluice) with its ablation switches; null keeps the method's own setting.
/// </summary>
public sealed record TaggerModelSpec : ModelSpec
{
    /// <summary>The architecture.</summary>
    public required TaggingMethod Method { get; init; }

    /// <summary>Layer connection.</summary>
    public LayerConnection? Connection { get; init; }

    /// <summary>α initialisation.</summary>
    public AlphaInit? AlphaInit { get; init; }

    /// <summary>α learned or constant.</summary>
    public bool? AlphaLearned { get; init; }

    /// <summary>Subspaces per layer.</summary>
    public int? Subspaces { get; init; }

    /// <summary>Orthogonality penalty weight.</summary>
    public float? Orthogonality { get; init; }

    /// <summary>Gaussian input noise σ.</summary>
    public float InputNoise { get; init; }

    /// <summary>Word dropout probability.</summary>
    public float WordDropout { get; init; }
}
