using System.Text;
using MtlSharp.Tensors;

namespace MtlSharp.Data.Text;

/// <summary>
/// Turns tagged sentences into padded index arrays (<see cref="SentenceBatch"/>): word ids, optional character
/// ids, and tag ids plus masks for each <see cref="TaggingTask"/>. A sentence that lacks a task's column (e.g.
/// when data sets with different annotations are mixed) gets mask 0 for that task.
/// </summary>
public sealed class SentenceBatcher
{
    private readonly TaggingTask[] _tasks;

    /// <summary>
    /// Creates a batcher. <paramref name="maxWordChars"/> truncates long words (0: no limit, the batch's longest
    /// word sets MaxChars).
    /// </summary>
    public SentenceBatcher(Vocabulary words, IReadOnlyList<TaggingTask> tasks, Vocabulary? chars = null, CharLayout charLayout = CharLayout.Padded, int maxWordChars = 0)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(tasks);
        if (words.PadId != 0)
        {
            throw new ArgumentException("SentenceBatcher: the word vocabulary must have its padding entry at id 0 (use Vocabulary.ForWords).", nameof(words));
        }

        if (chars is not null && chars.PadId != 0)
        {
            throw new ArgumentException("SentenceBatcher: the character vocabulary must have its padding entry at id 0 (use Vocabulary.ForCharacters).", nameof(chars));
        }

        if (maxWordChars < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWordChars), maxWordChars, "SentenceBatcher: maxWordChars must be >= 0.");
        }

        Words = words;
        Chars = chars;
        CharLayout = chars is null ? CharLayout.None : charLayout;
        MaxWordChars = maxWordChars;
        _tasks = [.. tasks];
    }

    /// <summary>The word vocabulary.</summary>
    public Vocabulary Words { get; }

    /// <summary>The character vocabulary, if characters are produced.</summary>
    public Vocabulary? Chars { get; }

    /// <summary>The character layout (None when there is no character vocabulary).</summary>
    public CharLayout CharLayout { get; }

    /// <summary>Character limit per word (0: none).</summary>
    public int MaxWordChars { get; }

    /// <summary>The tasks, in the order of <see cref="SentenceBatch.TagIds"/>.</summary>
    public IReadOnlyList<TaggingTask> Tasks => _tasks;

    /// <summary>A batch of the sentences <paramref name="indices"/> of <paramref name="sentences"/>, in that order.</summary>
    public SentenceBatch Create(IReadOnlyList<TaggedSentence> sentences, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        int b = indices.Length, t = 0;
        foreach (int i in indices)
        {
            t = Math.Max(t, sentences[i].Length);
        }

        var batch = new SentenceBatch(b, t);
        int numTokens = 0, maxChars = 0, totalChars = 0;
        for (int r = 0; r < b; r++)
        {
            TaggedSentence s = sentences[indices[r]];
            batch.SentenceIndices[r] = indices[r];
            batch.Lengths[r] = s.Length;
            numTokens += s.Length;
            for (int j = 0; j < s.Length; j++)
            {
                int p = (r * t) + j;
                batch.WordIds[p] = Words.IdOf(s.Words[j]);
                batch.Mask[p] = 1f;
                if (CharLayout != CharLayout.None)
                {
                    int n = CountRunes(s.Words[j]);
                    batch.CharLengths[p] = n;
                    maxChars = Math.Max(maxChars, n);
                    totalChars += n;
                }
            }
        }

        batch.NumTokens = numTokens;
        if (CharLayout == CharLayout.Padded)
        {
            FillPaddedChars(batch, sentences, maxChars);
        }
        else if (CharLayout == CharLayout.Flat)
        {
            FillFlatChars(batch, sentences, totalChars);
        }

        FillTags(batch, sentences);
        return batch;
    }

    /// <summary>A batch of all of <paramref name="sentences"/>, in order.</summary>
    public SentenceBatch Create(IReadOnlyList<TaggedSentence> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        int[] all = new int[sentences.Count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        return Create(sentences, all);
    }

    /// <summary>
    /// One epoch of batches of at most <paramref name="batchSize"/> sentences: in order, or in a fresh random order
    /// drawn from <paramref name="shuffle"/> when given. The last batch may be smaller.
    /// </summary>
    public IEnumerable<SentenceBatch> Epoch(IReadOnlyList<TaggedSentence> sentences, int batchSize, Rng? shuffle = null)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "SentenceBatcher.Epoch: batchSize must be positive.");
        }

        int[] order = shuffle?.Permutation(sentences.Count) ?? Identity(sentences.Count);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, order.Length - start);
            yield return Create(sentences, order.AsSpan(start, n));
        }
    }

    private int CountRunes(string word)
    {
        int n = 0;
        foreach (Rune _ in word.EnumerateRunes())
        {
            n++;
        }

        return MaxWordChars > 0 ? Math.Min(n, MaxWordChars) : n;
    }

    private void FillPaddedChars(SentenceBatch batch, IReadOnlyList<TaggedSentence> sentences, int maxChars)
    {
        int t = batch.MaxLength;
        var ids = new int[batch.BatchSize * t * maxChars];
        for (int r = 0; r < batch.BatchSize; r++)
        {
            TaggedSentence s = sentences[batch.SentenceIndices[r]];
            for (int j = 0; j < s.Length; j++)
            {
                int p = (r * t) + j;
                WriteChars(s.Words[j], ids.AsSpan(p * maxChars, batch.CharLengths[p]));
            }
        }

        batch.MaxChars = maxChars;
        batch.CharIds = ids;
    }

    private void FillFlatChars(SentenceBatch batch, IReadOnlyList<TaggedSentence> sentences, int totalChars)
    {
        int t = batch.MaxLength;
        var ids = new int[totalChars];
        var offsets = new int[batch.NumTokens + 1];
        var positions = new int[batch.NumTokens];
        int k = 0, at = 0, maxChars = 0;
        for (int r = 0; r < batch.BatchSize; r++)
        {
            TaggedSentence s = sentences[batch.SentenceIndices[r]];
            for (int j = 0; j < s.Length; j++, k++)
            {
                int p = (r * t) + j, n = batch.CharLengths[p];
                positions[k] = p;
                offsets[k] = at;
                WriteChars(s.Words[j], ids.AsSpan(at, n));
                at += n;
                maxChars = Math.Max(maxChars, n);
            }
        }

        offsets[k] = at;
        batch.MaxChars = maxChars;
        batch.FlatCharIds = ids;
        batch.FlatCharOffsets = offsets;
        batch.FlatTokenPositions = positions;
    }

    private void WriteChars(string word, Span<int> destination)
    {
        Vocabulary chars = Chars!;
        int i = 0;
        foreach (Rune rune in word.EnumerateRunes())
        {
            if (i == destination.Length)
            {
                break;
            }

            destination[i++] = chars.IdOf(rune);
        }
    }

    private void FillTags(SentenceBatch batch, IReadOnlyList<TaggedSentence> sentences)
    {
        int t = batch.MaxLength;
        var tagIds = new int[_tasks.Length][];
        var masks = new float[_tasks.Length][];
        for (int k = 0; k < _tasks.Length; k++)
        {
            tagIds[k] = new int[batch.BatchSize * t];
            masks[k] = new float[batch.BatchSize * t];
            for (int r = 0; r < batch.BatchSize; r++)
            {
                TaggedSentence s = sentences[batch.SentenceIndices[r]];
                if (!_tasks[k].AppliesTo(s))
                {
                    continue;
                }

                _tasks[k].Encode(s, tagIds[k].AsSpan(r * t, s.Length));
                masks[k].AsSpan(r * t, s.Length).Fill(1f);
            }
        }

        batch.TagIds = tagIds;
        batch.TagMasks = masks;
    }

    private static int[] Identity(int n)
    {
        int[] a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = i;
        }

        return a;
    }
}
