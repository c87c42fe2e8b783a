using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>The sluice orthogonality penalty w·R over the per-task LSTM input-gate blocks (spec B3), as a regulariser.</summary>
public sealed class OrthogonalityRegularizer(SequenceTagger tagger, float weight) : IRegularizer
{
    private readonly SequenceTagger _tagger = tagger ?? throw new ArgumentNullException(nameof(tagger));

    /// <inheritdoc/>
    public string Name => "orthogonality";

    /// <summary>The weight w.</summary>
    public float Weight { get; } = weight;

    /// <inheritdoc/>
    public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context) => Ops.Scale(_tagger.OrthogonalityPenalty(), Weight);
}
