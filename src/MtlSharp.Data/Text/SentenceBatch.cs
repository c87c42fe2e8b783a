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
}
