using System.Text;
using MtlSharp.Data.Text;

namespace MtlSharp.Data.Tests;

/// <summary>
/// Letter-trigram hashing against hand-computed values: the published FNV-1a-32 test vectors, the trigrams of a word
/// with its boundary marks, and buckets computed independently (FNV-1a over the UTF-8 bytes, mod 1000).
/// </summary>
public sealed class LetterTrigramHasherTests
{
    [Fact]
    public void Fnv1aMatchesPublishedVectors()
    {
        // The FNV reference test vectors (Fowler/Noll/Vo): "" → offset basis, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
        Assert.Equal(2166136261u, LetterTrigramHasher.Fnv1a32([]));
        Assert.Equal(0xe40c292cu, LetterTrigramHasher.Fnv1a32("a"u8));
        Assert.Equal(0xbf9cf968u, LetterTrigramHasher.Fnv1a32("foobar"u8));
    }

    [Fact]
    public void TrigramsCarryBoundaryMarks()
    {
        var h = new LetterTrigramHasher(1000);
        Assert.Equal(["#go", "goo", "ood", "od#"], h.Trigrams("Good"));
        Assert.Equal(["#a#"], h.Trigrams("a"));
        Assert.Equal(["#ca", "caf", "afé", "fé#"], h.Trigrams("Café"));
        Assert.Equal(["#\U0001F600#"], h.Trigrams("\U0001F600"));   // one letter outside the BMP
        Assert.Empty(h.Trigrams(""));
        Assert.Equal(["#Go", "Goo", "ood", "od#"], new LetterTrigramHasher(1000, lowercase: false).Trigrams("Good"));
    }

    [Fact]
    public void BucketsMatchHandComputedValues()
    {
        var h = new LetterTrigramHasher(1000);
        // FNV-1a-32 of the UTF-8 bytes, mod 1000, computed outside this code base.
        Assert.Equal(376, h.Bucket("#go"));    // 0x2a6385c0
        Assert.Equal(916, h.Bucket("goo"));    // 0x3d1b8dac
        Assert.Equal(101, h.Bucket("ood"));    // 0x9f292e05
        Assert.Equal(199, h.Bucket("od#"));    // 0x70403d57
        Assert.Equal(342, h.Bucket("#a#"));    // 0xee5eaa1e
        Assert.Equal(642, h.Bucket("afé"));    // 0x56866a6a (é is two UTF-8 bytes)
        Assert.Equal(10, h.Bucket("fé#"));     // 0x8051ced2
        Assert.Equal(280, h.Bucket("#\U0001F600#"));   // 0xb795c6c8 (four UTF-8 bytes)
        Assert.Equal(496, h.Bucket("#Go"));
    }

    [Fact]
    public void BagCountsAndNormalisations()
    {
        string[] words = ["Good", "good", "a"];
        var counts = new LetterTrigramHasher(1000, BagNormalization.Counts).Bag(words);
        Assert.Equal([101, 199, 342, 376, 916], counts.Ids);
        Assert.Equal([2f, 2f, 1f, 2f, 2f], counts.Values);

        var l2 = new LetterTrigramHasher(1000, BagNormalization.L2).Bag(words);
        float n = (float)Math.Sqrt(17);   // 4·2² + 1²
        Assert.Equal(counts.Ids, l2.Ids);
        for (int i = 0; i < l2.Count; i++)
        {
            Assert.Equal(counts.Values[i] / n, l2.Values[i], 6);
        }

        var log = new LetterTrigramHasher(1000, BagNormalization.Log).Bag(words);
        Assert.Equal((float)Math.Log(3), log.Values[0], 6);
        Assert.Equal((float)Math.Log(2), log.Values[2], 6);

        Assert.Equal(0, new LetterTrigramHasher(1000).Bag([]).Count);
    }

    [Fact]
    public void BucketsStayInRangeAndAreStable()
    {
        var h = new LetterTrigramHasher(7);
        foreach (string w in new[] { "The", "quick", "brown", "ﬁx", "naïve", "日本語" })
        {
            foreach (string t in h.Trigrams(w))
            {
                int b = h.Bucket(t);
                Assert.InRange(b, 0, 6);
                Assert.Equal((int)(LetterTrigramHasher.Fnv1a32(Encoding.UTF8.GetBytes(t)) % 7), b);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new LetterTrigramHasher(0));
    }
}
