namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// The distinct words of a padded batch: a token's input representation (word embedding ⊕ character BiLSTM states)
/// depends on its word id and its characters only, so the tagger computes it once per distinct word — the character
/// BiLSTM over U words instead of N tokens, and the first BiLSTM layer's input projection over U rows
/// (<see cref="MtlSharp.Tensors.Ops.BiLstmLookup"/>) — and every token spelled alike reads the same row. The gradient
/// reaching a distinct word is the sum over its tokens: the same gradient as computing it per token, summed in
/// another order.
/// </summary>
/// <remarks>
/// Words are numbered in order of first appearance (row-major over [B, T]), so the grouping, and with it every
/// result, is a deterministic function of the batch. Two tokens are the same word when they have the same word id,
/// the same character count and the same character ids up to it (the padding after it is never read). The table is
/// open addressing over FNV-1a hashes, with a full comparison on every hit.
/// </remarks>
internal sealed class WordTypes
{
    private WordTypes(int count, int[] wordIds, int[] ids, int[] lengths, int[] sources)
    {
        Count = count;
        WordIds = wordIds;
        Ids = ids;
        Lengths = lengths;
        Sources = sources;
    }

    /// <summary>U, the number of distinct words.</summary>
    public int Count { get; }

    /// <summary>Word ids [U] of the distinct words.</summary>
    public int[] WordIds { get; }

    /// <summary>Character ids [U, maxChars] of the distinct words (padded as in the batch).</summary>
    public int[] Ids { get; }

    /// <summary>Character counts [U].</summary>
    public int[] Lengths { get; }

    /// <summary>Per position b·T + t of the batch, its distinct word, or −1 for padding [B·T].</summary>
    public int[] Sources { get; }

    /// <summary>
    /// Groups the real positions (<paramref name="mask"/> ≠ 0) of a padded batch with word ids
    /// <paramref name="wordIds"/> [P], character ids <paramref name="charIds"/> [P, maxChars] and counts
    /// <paramref name="charLengths"/> [P] by word id and characters.
    /// </summary>
    public static WordTypes Find(ReadOnlySpan<int> wordIds, ReadOnlySpan<int> charIds, ReadOnlySpan<int> charLengths, ReadOnlySpan<float> mask, int maxChars)
    {
        int positions = mask.Length;
        int real = 0;
        for (int p = 0; p < positions; p++)
        {
            if (mask[p] != 0f)
            {
                real++;
            }
        }

        int size = 16;
        while (size < 2 * real)
        {
            size *= 2;
        }

        int[] table = new int[size];   // distinct word + 1, 0 = empty slot
        int[] firstPosition = new int[real];
        int[] sources = new int[positions];
        int count = 0;
        for (int p = 0; p < positions; p++)
        {
            if (mask[p] == 0f)
            {
                sources[p] = -1;
                continue;
            }

            int len = charLengths[p];
            ReadOnlySpan<int> word = charIds.Slice(p * maxChars, len);
            int wordId = wordIds[p];
            uint hash = ((2166136261u ^ (uint)len) * 16777619u) ^ (uint)wordId;
            foreach (int id in word)
            {
                hash = (hash ^ (uint)id) * 16777619u;
            }

            hash ^= hash >> 15;
            hash *= 0x2C1B3C6Du;
            hash ^= hash >> 12;
            int slot = (int)(hash & (uint)(size - 1));
            while (true)
            {
                int entry = table[slot];
                if (entry == 0)
                {
                    table[slot] = count + 1;
                    firstPosition[count] = p;
                    sources[p] = count++;
                    break;
                }

                int q = firstPosition[entry - 1];
                if (wordIds[q] == wordId && charLengths[q] == len && charIds.Slice(q * maxChars, len).SequenceEqual(word))
                {
                    sources[p] = entry - 1;
                    break;
                }

                slot = (slot + 1) & (size - 1);
            }
        }

        int[] ids = new int[count * maxChars];
        int[] lengths = new int[count];
        int[] words = new int[count];
        for (int u = 0; u < count; u++)
        {
            int p = firstPosition[u];
            words[u] = wordIds[p];
            charIds.Slice(p * maxChars, maxChars).CopyTo(ids.AsSpan(u * maxChars, maxChars));
            lengths[u] = charLengths[p];
        }

        return new WordTypes(count, words, ids, lengths, sources);
    }
}
