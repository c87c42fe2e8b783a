using MtlSharp.Data.Text;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// The tagger's shared input layer (spec B1, B5): a word embedding concatenated with the final forward and reverse
/// states of a character BiLSTM run over the word's characters (once per distinct word of the batch, see
/// <see cref="WordTypes"/>). [B, T] word ids → [B, T, WordDim + 2·CharHidden].
/// </summary>
public sealed class WordEncoder : Module
{
    private readonly Embedding _words;
    private readonly Embedding _chars;
    private readonly BiLstm _charLstm;

    /// <summary>Creates the encoder for vocabularies of <paramref name="wordCount"/> words and <paramref name="charCount"/> characters.</summary>
    public WordEncoder(int wordCount, int charCount, TaggerConfig config, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        _words = RegisterModule("words", new Embedding(wordCount, config.WordDim, rng));
        _chars = RegisterModule("chars", new Embedding(charCount, config.CharDim, rng));
        _charLstm = RegisterModule("char_lstm", new BiLstm(config.CharDim, config.CharHidden, rng));
        OutputSize = config.WordDim + (2 * config.CharHidden);
    }

    /// <summary>The word embedding (for exporters).</summary>
    internal Embedding Words => _words;

    /// <summary>The character embedding (for exporters).</summary>
    internal Embedding Chars => _chars;

    /// <summary>The character BiLSTM (for exporters).</summary>
    internal BiLstm CharLstm => _charLstm;

    /// <summary>Features per word.</summary>
    public int OutputSize { get; }

    /// <summary>Encodes <paramref name="batch"/> (padded character layout) with the given word ids [B·T] → [B, T, OutputSize].</summary>
    public Tensor Forward(SentenceBatch batch, int[] wordIds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(wordIds);
        int b = batch.BatchSize, t = batch.MaxLength;
        var words = _words.Forward(wordIds, b, t);
        Tensor chars;
        if (batch.CharIds is null || batch.MaxChars == 0)
        {
            chars = Tensor.ScratchZeros(new Shape(b, t, OutputSize - words.Shape[2]));
        }
        else
        {
            // The character BiLSTM runs once per distinct word of the batch, and its final states are gathered to
            // every real position of [B·T] (zeros at padding).
            var types = WordTypes.Find(wordIds, batch.CharIds, batch.CharLengths, batch.Mask, batch.MaxChars);
            chars = Ops.Reshape(CharFinalStates.GatherRows(CharStates(batch, types), types.Lengths, types.Sources), b, t, -1);
        }

        return Ops.Concat([words, chars], 2);
    }

    /// <summary>
    /// Encodes each distinct word of <paramref name="batch"/> once (see <see cref="WordTypes"/>): rows [U, OutputSize]
    /// and, per position b·T + t, the row it reads (−1 at padding). Row u of a real position equals
    /// <see cref="Forward"/>'s vector there.
    /// </summary>
    internal (Tensor Rows, int[] Sources) EncodeTypes(SentenceBatch batch, int[] wordIds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(wordIds);
        if (batch.CharIds is null || batch.MaxChars == 0)
        {
            throw new InvalidOperationException("WordEncoder: the batch has no padded character ids.");
        }

        var types = WordTypes.Find(wordIds, batch.CharIds, batch.CharLengths, batch.Mask, batch.MaxChars);
        var words = _words.Forward(types.WordIds);
        var chars = CharFinalStates.Gather(CharStates(batch, types), types.Lengths);
        return (Ops.Concat([words, chars], 1), types.Sources);
    }

    /// <summary>
    /// The first BiLSTM layer over the encoded words of <paramref name="batch"/>, as a function of the stack (input
    /// size <see cref="OutputSize"/>) so that several stacks share one encoding: with character ids, each distinct word
    /// is encoded once and the layer projects those rows (<see cref="EncodeTypes"/>,
    /// <see cref="BiLstm.ForwardLayerLookup"/>); without, every token (<see cref="Forward"/>,
    /// <see cref="BiLstm.ForwardLayer"/>). Either way <c>stack.ForwardLayer(0, Forward(batch, wordIds), batch.Lengths)</c>
    /// up to rounding. The encoding runs here, once; the returned function runs the layer.
    /// </summary>
    internal Func<BiLstm, Tensor> FirstLayer(SentenceBatch batch, int[] wordIds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int[] lengths = batch.Lengths;
        if (batch.CharIds is null || batch.MaxChars == 0)
        {
            var x = Forward(batch, wordIds);
            return stack => stack.ForwardLayer(0, x, lengths);
        }

        var (rows, sources) = EncodeTypes(batch, wordIds);
        return stack => stack.ForwardLayerLookup(0, rows, sources, batch.BatchSize, batch.MaxLength, lengths);
    }

    /// <summary>
    /// Runs every layer of <paramref name="stack"/> (input size <see cref="OutputSize"/>) over the encoded words of
    /// <paramref name="batch"/> → [B, T, 2H]: <c>stack.Forward(Forward(batch, wordIds), batch.Lengths)</c> up to
    /// rounding, the first layer as <see cref="FirstLayer"/> runs it.
    /// </summary>
    public Tensor ForwardThrough(BiLstm stack, SentenceBatch batch, int[] wordIds)
    {
        ArgumentNullException.ThrowIfNull(stack);
        Tensor h = FirstLayer(batch, wordIds)(stack);
        for (int l = 1; l < stack.Layers; l++)
        {
            h = stack.ForwardLayer(l, h, batch.Lengths);
        }

        return h;
    }

    /// <summary>The character BiLSTM over the distinct words: [U, MaxChars, 2·CharHidden].</summary>
    private Tensor CharStates(SentenceBatch batch, WordTypes types) =>
        // Embedding and BiLSTM in one op: each character's input projection is computed once per batch.
        _charLstm.ForwardLayerLookup(0, _chars.Weight, types.Ids, types.Count, batch.MaxChars, types.Lengths);
}
