using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// The encoder of token sequences for per-token tasks (tagging): the taggers' <see cref="WordEncoder"/> and a BiLSTM
/// stack, then linear → tanh to the core's width per token: [B sentences of ≤ T tokens] → [B·T, width], one row per
/// token position (padding rows carry mask 0 in the targets), so the shared core and the heads read the core per
/// token.
/// </summary>
public sealed class BiLstmTokenEncoder : Module, IInputEncoder
{
    private readonly WordEncoder _words;
    private readonly BiLstm _lstm;
    private readonly Linear _projection;

    /// <summary>Creates the encoder for vocabularies of <paramref name="wordCount"/> words and <paramref name="charCount"/> characters.</summary>
    public BiLstmTokenEncoder(int wordCount, int charCount, TaggerConfig config, int layers, int width, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        _words = RegisterModule("words", new WordEncoder(wordCount, charCount, config, rng));
        _lstm = RegisterModule("lstm", new BiLstm(_words.OutputSize, config.Hidden, rng, layers));
        _projection = RegisterModule("projection", new Linear(2 * config.Hidden, width, rng));
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

    /// <inheritdoc/>
    public string Name => "tokens";

    /// <inheritdoc/>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public int Rows(BatchInput input)
    {
        var b = Sentences(input).Value;
        return b.BatchSize * b.MaxLength;
    }

    /// <inheritdoc/>
    public Tensor Encode(BatchInput input, in ForwardContext context)
    {
        var batch = Sentences(input).Value;
        var h = _words.ForwardThrough(_lstm, batch, batch.WordIds);   // [B, T, 2H]; each distinct word encoded once
        return Ops.Tanh(_projection.Forward(Ops.Reshape(h, batch.BatchSize * batch.MaxLength, -1)));
    }

    private static SentenceInput Sentences(BatchInput input) =>
        input as SentenceInput ?? throw new ArgumentException($"The token encoder reads sentence batches, not {input?.GetType().Name ?? "null"}.");
}
