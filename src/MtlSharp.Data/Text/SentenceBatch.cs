namespace MtlSharp.Data.Text;

/// <summary>
/// A mini-batch of sentences as padded index arrays, batch-major: [B, T] means index b·T + t, with T the longest
/// sentence of the batch. Padding positions hold word id 0 (the vocabulary's &lt;pad&gt;), char id 0, tag id 0 and
/// mask 0.
/// </summary>
public sealed class SentenceBatch
{
    internal SentenceBatch(int batchSize, int maxLength)
    {
        BatchSize = batchSize;
        MaxLength = maxLength;
        Lengths = new int[batchSize];
        SentenceIndices = new int[batchSize];
        WordIds = new int[batchSize * maxLength];
        Mask = new float[batchSize * maxLength];
        CharLengths = new int[batchSize * maxLength];
    }

    /// <summary>Number of sentences B.</summary>
    public int BatchSize { get; }

    /// <summary>Padded length T (the longest sentence in the batch).</summary>
    public int MaxLength { get; }

    /// <summary>Number of real tokens (sum of <see cref="Lengths"/>).</summary>
    public int NumTokens { get; internal set; }

    /// <summary>Indices of the batch's sentences in the list they came from [B].</summary>
    public int[] SentenceIndices { get; }

    /// <summary>Sentence lengths [B].</summary>
    public int[] Lengths { get; }

    /// <summary>Word ids [B, T].</summary>
    public int[] WordIds { get; }

    /// <summary>1 for real tokens, 0 for padding [B, T].</summary>
    public float[] Mask { get; }

    /// <summary>Characters per token after truncation to the character limit, 0 for padding [B, T].</summary>
    public int[] CharLengths { get; }

    /// <summary>Character positions per token in <see cref="CharIds"/> (0 when there are no character ids).</summary>
    public int MaxChars { get; internal set; }

    /// <summary>Padded character ids [B, T, MaxChars] (layout <see cref="CharLayout.Padded"/>), else null.</summary>
    public int[]? CharIds { get; internal set; }

    /// <summary>Concatenated character ids of the real tokens (layout <see cref="CharLayout.Flat"/>), else null.</summary>
    public int[]? FlatCharIds { get; internal set; }

    /// <summary>Start of token k's characters in <see cref="FlatCharIds"/> [NumTokens + 1] (flat layout), else null.</summary>
    public int[]? FlatCharOffsets { get; internal set; }

    /// <summary>Position b·T + t of the k-th real token [NumTokens] (flat layout), else null.</summary>
    public int[]? FlatTokenPositions { get; internal set; }

    /// <summary>Per task (in the batcher's task order), tag ids [B, T]; 0 where masked.</summary>
    public IReadOnlyList<int[]> TagIds { get; internal set; } = [];

    /// <summary>
    /// Per task, 1 where the token is real and its sentence has the task's column, else 0 [B, T] (the weights for a
    /// masked cross-entropy).
    /// </summary>
    public IReadOnlyList<float[]> TagMasks { get; internal set; } = [];

    /// <summary>
    /// Sentences [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of this batch as a
    /// batch of their own that keeps this batch's padded length and character width (data parallelism: each process
    /// computes a share of a batch's sentences; with the same shapes a sentence's rows are those of the whole batch).
    /// </summary>
    public SentenceBatch Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > BatchSize - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Sentences [{start}, {start + count}) of a batch of {BatchSize}.");
        }

        int t = MaxLength, from = start * t, n = count * t;
        var s = new SentenceBatch(count, t) { MaxChars = MaxChars };
        Lengths.AsSpan(start, count).CopyTo(s.Lengths);
        SentenceIndices.AsSpan(start, count).CopyTo(s.SentenceIndices);
        WordIds.AsSpan(from, n).CopyTo(s.WordIds);
        Mask.AsSpan(from, n).CopyTo(s.Mask);
        CharLengths.AsSpan(from, n).CopyTo(s.CharLengths);
        int before = 0;
        for (int r = 0; r < start; r++)
        {
            before += Lengths[r];
        }

        foreach (int length in s.Lengths)
        {
            s.NumTokens += length;
        }

        s.CharIds = CharIds?.AsSpan(from * MaxChars, n * MaxChars).ToArray();
        if (FlatCharIds is { } flat && FlatCharOffsets is { } offsets && FlatTokenPositions is { } positions)
        {
            int first = offsets[before], last = offsets[before + s.NumTokens];
            s.FlatCharIds = flat.AsSpan(first, last - first).ToArray();
            s.FlatCharOffsets = new int[s.NumTokens + 1];
            s.FlatTokenPositions = new int[s.NumTokens];
            for (int k = 0; k <= s.NumTokens; k++)
            {
                s.FlatCharOffsets[k] = offsets[before + k] - first;
            }

            for (int k = 0; k < s.NumTokens; k++)
            {
                s.FlatTokenPositions[k] = positions[before + k] - from;
            }
        }

        s.TagIds = TagIds.Select(a => a.AsSpan(from, n).ToArray()).ToArray();
        s.TagMasks = TagMasks.Select(a => a.AsSpan(from, n).ToArray()).ToArray();
        return s;
    }
}
