using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// A <see cref="SequenceTagger"/> (single task, hard sharing, low supervision, cross-stitch, sluice) as a model of
/// the one training loop: one forward pass over the batch's shared sentence input gives every task's logits; word
/// dropout (training words replaced by &lt;unk&gt; with probability p) and bilty's input noise draw from the
/// context's random stream, in that order; the sluice orthogonality penalty is the model's regulariser.
/// </summary>
public sealed class TaggerModel : IMultiTaskModel
{
    private readonly IRegularizer[] _regularizers;
    private readonly float _wordDropout;
    private readonly int _unknownId;

    /// <summary>Wraps <paramref name="tagger"/>; <paramref name="unknownWordId"/> is the vocabulary's &lt;unk&gt;.</summary>
    public TaggerModel(SequenceTagger tagger, float wordDropout, int unknownWordId)
    {
        Tagger = tagger ?? throw new ArgumentNullException(nameof(tagger));
        if (!(wordDropout >= 0 && wordDropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(wordDropout), wordDropout, "Word dropout must be in [0, 1).");
        }

        _wordDropout = wordDropout;
        _unknownId = unknownWordId;
        float w = tagger.Config.OrthogonalityWeight;
        _regularizers = w > 0 && tagger.Config.PerTaskNetworks && tagger.Config.Subspaces > 1 ? [new OrthogonalityRegularizer(tagger, w)] : [];
        SharedParameters = tagger.Parameters(k => k.Role == ParameterRole.Shared);
    }

    /// <summary>The tagger.</summary>
    public SequenceTagger Tagger { get; }

    /// <inheritdoc/>
    public Module Module => Tagger;

    /// <inheritdoc/>
    public int TaskCount => Tagger.Tasks;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters { get; }

    /// <inheritdoc/>
    /// <remarks>The deepest shared BiLSTM layer's output with one shared stack; null for per-task networks.</remarks>
    public Tensor? SharedRepresentation => Tagger.SharedOutput;

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Parts[0].Input is not SentenceInput input || batch.Parts.Any(p => !ReferenceEquals(p.Input, input)))
        {
            throw new ArgumentException("A sequence tagger takes one sentence batch shared by every task of the step.");
        }

        var sentences = input.Value;
        int[] words = context.Training ? WordIds(input, context.Rng) : sentences.WordIds;
        var logits = Tagger.Forward(sentences, words, context.Training ? context.Rng : null, input.Rows);
        return batch.Parts.Select(p => logits[p.Task]).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars()
    {
        var list = new List<(string, double)>();
        for (int l = 0; l < Tagger.Alpha.Count; l++)
        {
            var a = Tagger.Alpha[l];
            int n = a.Shape[0];
            var s = a.Span;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    list.Add(($"alpha/layer{l + 1}/{i}_{j}", s[(i * n) + j]));
                }
            }
        }

        if (Tagger.Beta is { } beta)
        {
            int k = beta.Shape[1];
            var s = beta.Span;
            for (int m = 0; m < beta.Shape[0]; m++)
            {
                for (int l = 0; l < k; l++)
                {
                    list.Add(($"beta/task{m}/layer{l + 1}", s[(m * k) + l]));
                }
            }
        }

        return list;
    }

    /// <summary>
    /// Word dropout: one draw per real token of the whole batch, in order (a share of a data-parallel batch draws the
    /// whole batch's and keeps its sentences', which share the whole batch's padded length).
    /// </summary>
    private int[] WordIds(SentenceInput input, Rng rng)
    {
        var batch = input.Value;
        if (_wordDropout <= 0)
        {
            return batch.WordIds;
        }

        var whole = input.Whole;
        int first = input.Rows.IsWhole ? 0 : input.Rows.Start * whole.MaxLength;
        int[] ids = (int[])batch.WordIds.Clone();
        for (int i = 0; i < whole.Mask.Length; i++)
        {
            if (whole.Mask[i] != 0f && rng.NextFloat() < _wordDropout && (uint)(i - first) < (uint)ids.Length)
            {
                ids[i - first] = _unknownId;
            }
        }

        return ids;
    }
}
