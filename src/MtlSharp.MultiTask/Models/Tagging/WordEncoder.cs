using MtlSharp.Data.Text;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// The tagger's shared input layer (spec B1, B5): a word embedding concatenated with the final forward and reverse
/// states of a character BiLSTM run over the word's characters. [B, T] word ids → [B, T, WordDim + 2·CharHidden].
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
        int b = batch.BatchSize, t = batch.MaxLength;
        var words = _words.Forward(wordIds, b, t);
        Tensor chars;
        if (batch.CharIds is null || batch.MaxChars == 0)
        {
            chars = Tensor.ScratchZeros(new Shape(b, t, OutputSize - words.Shape[2]));
        }
        else
        {
            // Only the real tokens go through the character BiLSTM: [N, MaxChars] ids, then scattered back to [B·T].
            int n = batch.NumTokens, lc = batch.MaxChars;
            int[] ids = new int[n * lc], lengths = new int[n], positions = new int[n];
            for (int p = 0, k = 0; p < b * t; p++)
            {
                if (batch.Mask[p] == 0f)
                {
                    continue;
                }

                Array.Copy(batch.CharIds, p * lc, ids, k * lc, lc);
                lengths[k] = batch.CharLengths[p];
                positions[k++] = p;
            }

            var ce = _chars.Forward(ids, n, lc);
            var cy = _charLstm.ForwardLayer(0, ce, lengths);
            chars = Ops.Reshape(CharFinalStates.Gather(cy, lengths, positions, b * t), b, t, -1);
        }

        return Ops.Concat([words, chars], 2);
    }
}
