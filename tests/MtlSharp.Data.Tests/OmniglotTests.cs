using System.IO.Compression;
using MtlSharp.Data.Images;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

public sealed class OmniglotTests
{
    private static readonly string Shared = Path.Combine(Fixtures.DatasetsDir, "omniglot");

    [DatasetFact("omniglot")]
    public void SharedArchivesHoldTheFiftyAlphabetsWithTwentyDrawingsPerCharacter()
    {
        var inventory = Omniglot.Inventory(Shared);
        Assert.Equal(50, inventory.Count);
        Assert.Equal(Omniglot.AlphabetOrder.Order(StringComparer.Ordinal), inventory.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1623, inventory.Values.Sum(v => v.Characters));
        Assert.All(inventory.Values, v => Assert.Equal(20 * v.Characters, v.Drawings));
        Assert.Equal(668, Omniglot.AlphabetOrder.Take(20).Sum(a => inventory[a].Characters));
        Assert.Equal(48, inventory["Gujarati"].Characters);
        Assert.Equal(20, inventory["Angelic"].Characters);
    }

    [DatasetFact("omniglot")]
    public void SharedAlphabetsDecodeInvertedAndSplitTenFourSix()
    {
        // One alphabet from each archive.
        var alphabets = Omniglot.Load(Shared, ["Angelic", "Alphabet_of_the_Magi"]);
        Assert.Equal(["Angelic", "Alphabet_of_the_Magi"], alphabets.Select(a => a.Name));
        foreach (var a in alphabets)
        {
            Assert.Equal(20, a.Characters);
            Assert.Equal(105, a.Size);
            Assert.Equal(20 * 20 * 105 * 105, a.Pixels.Length);
            Assert.All(a.Pixels, p => Assert.True(p is 0f or 1f));
            double ink = a.Pixels.Average();
            Assert.InRange(ink, 0.01, 0.3);   // mostly background (0) after inversion

            var s = a.Split();
            Assert.Equal(200, s.Train.Count);
            Assert.Equal(80, s.Valid!.Count);
            Assert.Equal(120, s.Test.Count);
            for (int c = 0; c < 20; c++)
            {
                Assert.Equal(10, s.Train.Labels.Count(l => l == c));
                Assert.Equal(4, s.Valid.Labels.Count(l => l == c));
                Assert.Equal(6, s.Test.Labels.Count(l => l == c));
            }

            // The three splits partition the drawings: their ink sums add up to the alphabet's.
            double total = a.Pixels.Sum(p => (double)p);
            Assert.Equal(total, s.Train.Pixels.Sum(p => (double)p) + s.Valid.Pixels.Sum(p => (double)p) + s.Test.Pixels.Sum(p => (double)p), 6);
        }

        Assert.Equal(Omniglot.AlphabetId("Angelic"), alphabets[0].Id);
    }

    [Fact]
    public void AlphabetIdsAreTheOrdinallySortedIndex()
    {
        Assert.Equal(50, Omniglot.AlphabetOrder.Distinct().Count());
        Assert.Equal(0, Omniglot.AlphabetId("Alphabet_of_the_Magi"));
        Assert.Equal(1, Omniglot.AlphabetId("Angelic"));
        Assert.Equal(2, Omniglot.AlphabetId("Anglo-Saxon_Futhorc"));
        Assert.Equal(48, Omniglot.AlphabetId("Tifinagh"));
        Assert.Equal(49, Omniglot.AlphabetId("ULOG"));   // ordinal order: upper-case U sorts after T
        Assert.Equal(-1, Omniglot.AlphabetId("Klingon"));
    }

    [Fact]
    public void FixtureArchivesLoadInTheRequestedOrderWithLabelsAndInk()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 3), ("Arcadian", 2)], [("Sylheti", 2)]);
        var alphabets = Omniglot.Load(dir.Path, ["Sylheti", "Gujarati"]);
        Assert.Equal(2, alphabets[0].Characters);
        Assert.Equal(3, alphabets[1].Characters);
        var g = alphabets[1];
        int px = 105 * 105;
        for (int c = 1; c <= 3; c++)
        {
            for (int d = 1; d <= 20; d++)
            {
                var img = g.Pixels.AsSpan((((c - 1) * 20) + d - 1) * px, px);
                int row = OmniglotFixture.InkRow(0, c, d);
                Assert.Equal(1f, img[(row * 105) + 50]);   // ink is 1 after inversion
                Assert.Equal(1f, img[d]);                  // the drawer's dot on row 0
                Assert.Equal(0f, img[((row + 1) % 105 * 105) + 50]);
            }
        }
    }

    [Fact]
    public void SplitIsDeterministicPerAlphabetAndDiffersBetweenAlphabets()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 4), ("Arcadian", 4)], []);
        var a = Omniglot.Load(dir.Path, ["Gujarati", "Arcadian"]);
        var s1 = a[0].Split();
        var s2 = Omniglot.Load(dir.Path, ["Gujarati"])[0].Split();
        Assert.Equal(s1.Train.Pixels, s2.Train.Pixels);
        Assert.Equal(s1.Test.Pixels, s2.Test.Pixels);
        Assert.Equal(40, s1.Train.Count);
        Assert.Equal(16, s1.Valid!.Count);
        Assert.Equal(24, s1.Test.Count);

        // Which drawers land in training, read back from the drawer dot on row 0.
        static int[] Drawers(LabeledImages images) =>
            Enumerable.Range(0, images.Count).Select(i => Enumerable.Range(1, 20).First(d => images.Pixels[(i * 105 * 105) + d] == 1f)).ToArray();

        int[] gujarati = Drawers(s1.Train), arcadian = Drawers(a[1].Split().Train);
        Assert.NotEqual(gujarati, arcadian);
        Assert.NotEqual(Enumerable.Range(1, 10).ToArray(), gujarati[..10]);   // shuffled, not drawers 1…10
    }

    [Fact]
    public void DownscalingAveragesAreas()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 1)], []);
        var full = Omniglot.Load(dir.Path, ["Gujarati"])[0];
        var small = Omniglot.Load(dir.Path, ["Gujarati"], size: 35)[0];
        Assert.Equal(35, small.Size);
        Assert.Equal(20 * 35 * 35, small.Pixels.Length);
        // 105 = 3 × 35: each small pixel is the mean of a 3×3 block, so the ink mass shrinks by 9.
        Assert.Equal(full.Pixels.Sum(p => (double)p) / 9, small.Pixels.Sum(p => (double)p), 3);
        var odd = Omniglot.Load(dir.Path, ["Gujarati"], size: 28)[0];
        Assert.Equal(full.Pixels.Sum(p => (double)p) * 28 * 28 / (105.0 * 105), odd.Pixels.Sum(p => (double)p), 2);
        Assert.All(odd.Pixels, p => Assert.InRange(p, 0f, 1.0001f));
    }

    [Fact]
    public void CorruptPngNamesArchiveEntryAndProblem()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 1)], [("Angelic", 1)]);
        string bad = Path.Combine(dir.Path, "images_evaluation.zip");
        File.Delete(bad);
        using (var zip = ZipFile.Open(bad, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("images_evaluation/Angelic/character01/0965_01.png").Open();
            s.Write("this is not a png"u8);
        }

        var e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(dir.Path, ["Angelic"]));
        Assert.Contains("images_evaluation.zip", e.Message);
        Assert.Contains("entry images_evaluation/Angelic/character01/0965_01.png", e.Message);
        Assert.Contains("not a PNG", e.Message);

        // Alphabets of the intact archive still load.
        Assert.Equal(1, Omniglot.Load(dir.Path, ["Gujarati"])[0].Characters);
    }

    [Fact]
    public void WrongSizeMissingDrawingAndBrokenZipAreNamed()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 1)], []);
        string eval = Path.Combine(dir.Path, "images_evaluation.zip");
        File.Delete(eval);
        using (var zip = ZipFile.Open(eval, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("images_evaluation/Angelic/character01/0965_01.png").Open();
            s.Write(OmniglotFixture.Png(28, 28, (_, _) => 255));
        }

        var e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(dir.Path, ["Angelic"]));
        Assert.Contains("0965_01.png", e.Message);
        Assert.Contains("expected a 105×105 drawing, got 28×28", e.Message);

        File.Delete(eval);
        using (var zip = ZipFile.Open(eval, ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("images_evaluation/Angelic/character01/0965_01.png").Open();
            s.Write(OmniglotFixture.Png(105, 105, (_, _) => 255));
        }

        e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(dir.Path, ["Angelic"]));
        Assert.Contains("character01: drawing 02 is missing", e.Message);

        // A truncated archive: the zip directory (at the end) is gone.
        byte[] bytes = File.ReadAllBytes(eval);
        File.WriteAllBytes(eval, bytes[..(bytes.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(dir.Path, ["Gujarati"]));
        Assert.Contains(eval, e.Message);
        Assert.Contains("zip", e.Message);
    }

    [Fact]
    public void DamagedCompressedEntryIsNamed()
    {
        using var dir = new TempDir();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 1)], [("Angelic", 1)]);
        string eval = Path.Combine(dir.Path, "images_evaluation.zip");
        byte[] bytes = File.ReadAllBytes(eval);
        // Overwrite the compressed data of the first entry (after its 30-byte local header and name).
        int nameLength = bytes[26] | (bytes[27] << 8);
        int start = 30 + nameLength;
        for (int i = start; i < start + 40; i++)
        {
            bytes[i] = 0xFF;
        }

        File.WriteAllBytes(eval, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(dir.Path, ["Angelic"]));
        Assert.Contains("images_evaluation.zip", e.Message);
        Assert.Contains("entry images_evaluation/Angelic/character01/", e.Message);
    }

    [Fact]
    public void UnknownAlphabetAndMissingArchiveAreClear()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Omniglot.Load(dir.Path, ["Klingon"]));
        Assert.Contains("no alphabet 'Klingon'", e.Message);
        var f = Assert.Throws<FileNotFoundException>(() => Omniglot.Load(dir.Path, ["Gujarati"]));
        Assert.Contains("mtl download omniglot", f.Message);
    }
}
