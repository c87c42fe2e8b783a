using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// A sentence encoder from the taggers' modules: the tagger's <see cref="WordEncoder"/> (word embedding + character
/// BiLSTM final states), a BiLSTM stack over the tokens, mean- or max-pooling over each sentence's real tokens, then
/// a linear projection to the core's width and tanh: [B sentences] → [B, width]. Mean pooling is a product with a
/// constant [B, B·T] matrix of 1/length entries; max pooling adds −10⁴ at padded positions before the maximum over
/// time — both ops of the engine, so no new gradient is involved.
/// </summary>
public sealed class BiLstmSentenceEncoder : Module, IInputEncoder
{
    private readonly WordEncoder _words;
    private readonly BiLstm _lstm;
    private readonly Linear _projection;
    private readonly SentencePooling _pooling;

    /// <summary>Creates the encoder for vocabularies of <paramref name="wordCount"/> words and <paramref name="charCount"/> characters.</summary>
    public BiLstmSentenceEncoder(int wordCount, int charCount, TaggerConfig config, int layers, SentencePooling pooling, int width, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _words = RegisterModule("words", new WordEncoder(wordCount, charCount, config, rng));
        _lstm = RegisterModule("lstm", new BiLstm(_words.OutputSize, config.Hidden, rng, layers));
        _projection = RegisterModule("projection", new Linear(2 * config.Hidden, width, rng));
        _pooling = pooling;
        OutputWidth = width;
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>The word encoder (read by the ONNX export).</summary>
    internal WordEncoder Words => _words;

    /// <summary>The BiLSTM stack over the tokens.</summary>
    internal BiLstm Lstm => _lstm;

    /// <summary>The projection to the core's width.</summary>
    internal Linear Projection => _projection;

    /// <summary>How the token states are pooled.</summary>
    internal SentencePooling Pooling => _pooling;

    /// <inheritdoc/>
    public string Name => "bilstm";

    /// <inheritdoc/>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public int Rows(BatchInput input) => Sentences(input).Value.BatchSize;

    /// <inheritdoc/>
    public Tensor Encode(BatchInput input, in ForwardContext context)
    {
        var batch = Sentences(input).Value;
        int b = batch.BatchSize, t = batch.MaxLength;
        var h = _words.ForwardThrough(_lstm, batch, batch.WordIds);   // [B, T, 2H]; each distinct word encoded once
        int d = h.Shape[2];
        Tensor pooled;
        if (_pooling == SentencePooling.Mean)
        {
            var weights = new float[b * b * t];
            for (int s = 0; s < b; s++)
            {
                int len = batch.Lengths[s];
                for (int p = 0; p < len; p++)
                {
                    weights[(s * b * t) + (s * t) + p] = 1f / len;
                }
            }

            pooled = Ops.MatMul(Tensor.FromArray(weights, b, b * t), Ops.Reshape(h, b * t, d));
        }
        else
        {
            var mask = new float[b * t * d];
            for (int s = 0; s < b; s++)
            {
                for (int p = batch.Lengths[s]; p < t; p++)
                {
                    mask.AsSpan(((s * t) + p) * d, d).Fill(-1e4f);
                }
            }

            pooled = Ops.Max(Ops.Add(h, Tensor.FromArray(mask, b, t, d)), 1);
        }

        return Ops.Tanh(_projection.Forward(pooled));
    }

    private static SentenceInput Sentences(BatchInput input) =>
        input as SentenceInput ?? throw new ArgumentException($"The BiLSTM sentence encoder reads sentence batches, not {input?.GetType().Name ?? "null"}.");
}
