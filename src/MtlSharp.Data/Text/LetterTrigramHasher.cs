using System.Text;

namespace MtlSharp.Data.Text;

/// <summary>
/// Word hashing by letter trigrams (Huang et al. 2013; Liu et al. 2015, "Representation Learning Using Multi-Task Deep
/// Neural Networks for Semantic Classification and Information Retrieval"): each word is lower-cased (invariant
/// culture, optional), wrapped in '#' boundary marks and cut into its letter trigrams (<c>good</c> → <c>#go</c>,
/// <c>goo</c>, <c>ood</c>, <c>od#</c>; a one-letter word <c>a</c> → <c>#a#</c>); letters are Unicode scalar values, so
/// a character outside the Basic Multilingual Plane is one letter. Each trigram goes to bucket
/// FNV-1a-32(UTF-8 bytes of the trigram) mod B — a fixed hash (offset basis 2166136261, prime 16777619), the same in
/// every process and on every machine, unlike <c>string.GetHashCode</c>. A sentence is the bag of its words' trigram
/// buckets, with counts scaled by a <see cref="BagNormalization"/>.
/// </summary>
public sealed class LetterTrigramHasher
{
    /// <summary>The boundary mark put before and after every word.</summary>
    public const char Boundary = '#';

    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    /// <summary>Creates a hasher into <paramref name="buckets"/> buckets.</summary>
    public LetterTrigramHasher(int buckets, BagNormalization normalization = BagNormalization.L2, bool lowercase = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        Buckets = buckets;
        Normalization = normalization;
        Lowercase = lowercase;
    }

    /// <summary>Number of buckets B.</summary>
    public int Buckets { get; }

    /// <summary>How a bag's counts are scaled.</summary>
    public BagNormalization Normalization { get; }

    /// <summary>Whether words are lower-cased first.</summary>
    public bool Lowercase { get; }

    /// <summary>The 32-bit FNV-1a hash of <paramref name="bytes"/>.</summary>
    public static uint Fnv1a32(ReadOnlySpan<byte> bytes)
    {
        uint h = FnvOffsetBasis;
        foreach (byte b in bytes)
        {
            h ^= b;
            h *= FnvPrime;
        }

        return h;
    }

    /// <summary>The letter trigrams of <paramref name="word"/> with its boundary marks, in order (none for an empty word).</summary>
    public IReadOnlyList<string> Trigrams(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length == 0)
        {
            return [];
        }

        string w = Lowercase ? word.ToLowerInvariant() : word;
        var letters = new List<Rune> { new(Boundary) };
        foreach (Rune r in w.EnumerateRunes())
        {
            letters.Add(r);
        }

        letters.Add(new Rune(Boundary));
        var result = new string[letters.Count - 2];
        var sb = new StringBuilder(12);
        for (int i = 0; i < result.Length; i++)
        {
            sb.Clear();
            sb.Append(letters[i].ToString()).Append(letters[i + 1].ToString()).Append(letters[i + 2].ToString());
            result[i] = sb.ToString();
        }

        return result;
    }

    /// <summary>The bucket of one trigram: FNV-1a-32 of its UTF-8 bytes, mod <see cref="Buckets"/>.</summary>
    public int Bucket(string trigram)
    {
        ArgumentNullException.ThrowIfNull(trigram);
        return (int)(Fnv1a32(Encoding.UTF8.GetBytes(trigram)) % (uint)Buckets);
    }

    /// <summary>The bag of the trigram buckets of every word of <paramref name="words"/>, normalised.</summary>
    public SparseBag Bag(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var counts = new SortedDictionary<int, int>();
        foreach (string word in words)
        {
            foreach (string t in Trigrams(word))
            {
                int b = Bucket(t);
                counts[b] = counts.TryGetValue(b, out int c) ? c + 1 : 1;
            }
        }

        int[] ids = [.. counts.Keys];
        float[] values = new float[ids.Length];
        int k = 0;
        double norm = 0;
        foreach (int c in counts.Values)
        {
            values[k++] = c;
            norm += (double)c * c;
        }

        switch (Normalization)
        {
            case BagNormalization.Log:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)Math.Log(1.0 + values[i]);
                }

                break;
            case BagNormalization.L2 when norm > 0:
                float inv = (float)(1.0 / Math.Sqrt(norm));
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] *= inv;
                }

                break;
        }

        return new SparseBag(ids, values);
    }
}
