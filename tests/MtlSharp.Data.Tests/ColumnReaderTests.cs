using MtlSharp.Data.Text;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

public sealed class ColumnReaderTests
{
    private static string Conll2000(string file) => Path.Combine(Fixtures.DatasetsDir, "conll2000", file);

    [DatasetFact("conll2000")]
    public void Conll2000CountsMatchTheOfficialFigures()
    {
        List<TaggedSentence> train = ColumnReader.Read(Conll2000("train.txt"), ColumnFormat.Conll2000);
        List<TaggedSentence> test = ColumnReader.Read(Conll2000("test.txt"), ColumnFormat.Conll2000);
        Assert.Equal(8936, train.Count);
        Assert.Equal(211727, train.Sum(s => s.Length));
        Assert.Equal(2012, test.Count);
        Assert.Equal(47377, test.Sum(s => s.Length));
        Assert.Equal("Confidence", train[0].Words[0]);
        Assert.Equal("NN", train[0].Column("POS")[0]);
        Assert.Equal("B-NP", train[0].Column("CHUNK")[0]);
        Assert.Equal(Conll2000("train.txt") + ":1", train[0].Source);

        string[] chunks = train.SelectMany(s => s.Column("CHUNK")).Distinct().ToArray();
        Assert.Equal(22, chunks.Length);
        Assert.Contains("O", chunks);
        Assert.Equal(11, chunks.Where(c => c != "O").Select(c => c[2..]).Distinct().Count());
        Assert.Equal(44, train.SelectMany(s => s.Column("POS")).Distinct().Count());
    }

    [Fact]
    public void TabSeparatorCommentsAndDocumentMarkers()
    {
        const string text =
            "# a comment\n" +
            "-DOCSTART-\t-X-\tO\n" +
            "\n" +
            "EU\t\tB-ORG\n" +
            "rejects\tVBZ\tO\n" +
            "  \n" +
            "# another\n" +
            "Peter\tNNP\tB-PER\n" +
            "-DOCSTART-\t-X-\tO\n" +
            "Blackburn\tNNP\tB-PER\n";
        var format = new ColumnFormat
        {
            Separator = ColumnSeparator.Tab,
            CommentPrefix = "#",
            DocumentStartMarker = "-DOCSTART-",
            TagColumns = new Dictionary<string, int> { ["NER"] = 2, ["POS"] = 1 },
        };
        List<TaggedSentence> s = ColumnReader.Read(new StringReader(text), "mem.txt", format);
        Assert.Equal(3, s.Count);
        Assert.Equal(new[] { "EU", "rejects" }, s[0].Words);
        Assert.Equal(new[] { string.Empty, "VBZ" }, s[0].Column("POS")); // empty field kept with tabs
        Assert.Equal(new[] { "B-ORG", "O" }, s[0].Column("NER"));
        Assert.Equal("mem.txt:4", s[0].Source);
        Assert.Equal(new[] { "Peter" }, s[1].Words);
        Assert.Equal(new[] { "Blackburn" }, s[2].Words);
    }

    [Fact]
    public void WhitespaceSeparatorAndWordColumnChoice()
    {
        const string text = "1  The\tDT\n2 cat  NN\n\n\n1 Hi UH\n";
        var format = new ColumnFormat { WordColumn = 1, TagColumns = new Dictionary<string, int> { ["POS"] = 2 } };
        List<TaggedSentence> s = ColumnReader.Read(new StringReader(text), "mem.txt", format);
        Assert.Equal(2, s.Count);
        Assert.Equal(new[] { "The", "cat" }, s[0].Words);
        Assert.Equal(new[] { "DT", "NN" }, s[0].Column("POS"));
        Assert.Equal("mem.txt:5", s[1].Source);
    }

    [Fact]
    public void TooFewColumnsNamesFileLineAndLayout()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.txt");
        File.WriteAllText(path, "Confidence NN B-NP\nin IN\n");
        var e = Assert.Throws<InvalidDataException>(() => ColumnReader.Read(path, ColumnFormat.Conll2000));
        Assert.Contains(path + ":2:", e.Message);
        Assert.Contains("expected at least 3 whitespace-separated columns", e.Message);
        Assert.Contains("CHUNK in column 2", e.Message);
        Assert.Contains("found 2", e.Message);
    }

    [Fact]
    public void InvalidUtf8IsRejectedWithFileAndLine()
    {
        using var dir = new TempDir();
        string path = dir.File("bad.txt");
        File.WriteAllBytes(path, [.. "Confidence NN B-NP\nin IN B-PP\n\nthe"u8, 0xE2, 0x82, .. " DT B-NP\n"u8]);
        var e = Assert.Throws<InvalidDataException>(() => ColumnReader.Read(path, ColumnFormat.Conll2000));
        Assert.StartsWith($"{path}:4: invalid UTF-8: byte 0xE2 at byte 4 of the line", e.Message);
    }
}
