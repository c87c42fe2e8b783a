using System.IO.Compression;
using System.Security.Cryptography;
using MtlSharp.Data.Download;
using MtlSharp.Data.Text;

namespace MtlSharp.Data.Tests;

public sealed class ConllUReaderTests
{
    private const string Sample =
        "# newdoc id = answers-x\n" +
        "# sent_id = answers-20111105112131AA6gIX6_ans-0001\n" +
        "# text = I can't go.\n" +
        "1\tI\tI\tPRON\tPRP\tCase=Nom\t3\tnsubj\t3:nsubj\t_\n" +
        "2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_\n" +
        "2\tca\tcan\tAUX\tMD\t_\t4\taux\t4:aux\t_\n" +
        "3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t4:advmod\t_\n" +
        "4\tgo\tgo\tVERB\tVB\t_\t0\troot\t0:root\t_\n" +
        "4.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t4:conj\t_\n" +
        "5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t4:punct\tSpaceAfter=No\n" +
        "\n" +
        "\n" +
        "# sent_id = email-enronsent01_01-0002\n" +
        "1\tHi\thi\tINTJ\tUH\t_\t0\troot\t0:root\t_\n" +
        "2\tthere\tthere\tADV\tRB\t_\t1\tobl:npmod\t1:obl:npmod\t_"; // no trailing blank line

    private static IReadOnlyList<ConllUSentence> Parse(string text) => ConllUReader.Read(new StringReader(text), "mem.conllu");

    [Fact]
    public void ReadsTokensSkipsMultiwordAndEmptyNodes()
    {
        IReadOnlyList<ConllUSentence> s = Parse(Sample);
        Assert.Equal(2, s.Count);
        Assert.Equal("answers-20111105112131AA6gIX6_ans-0001", s[0].SentId);
        Assert.Equal("answers", s[0].Genre);
        Assert.Equal("I can't go.", s[0].Text);
        Assert.Equal("mem.conllu:1", s[0].Source);
        Assert.Equal(new[] { "I", "ca", "n't", "go", "." }, s[0].Tokens.Select(t => t.Form).ToArray());
        ConllUToken go = s[0].Tokens[3];
        Assert.Equal(new ConllUToken(4, "go", "go", "VERB", "VB", "_", 0, "root", "0:root", "_"), go);
        Assert.Equal(3, s[0].Tokens[0].Head);
        Assert.Equal("email", s[1].Genre);
        Assert.Equal("mem.conllu:13", s[1].Source);
        Assert.Equal("obl:npmod", s[1].Tokens[1].Deprel);
        Assert.Equal("obl", s[1].Tokens[1].BaseDeprel);

        TaggedSentence t = s[1].ToTagged();
        Assert.Equal(new[] { "Hi", "there" }, t.Words);
        Assert.Equal(new[] { "INTJ", "ADV" }, t.Column(ConllUColumns.Upos));
        Assert.Equal(new[] { "UH", "RB" }, t.Column(ConllUColumns.Xpos));
        Assert.Equal(new[] { "root", "obl" }, t.Column(ConllUColumns.DeprelBase));
        Assert.Equal(new[] { "_", "_" }, t.Column(ConllUColumns.Feats));
        Assert.Equal(new[] { "Case=Nom", "_", "_", "_", "_" }, s[0].ToTagged().Column(ConllUColumns.Feats));
        Assert.Equal("email", t.Genre);
        var e = Assert.Throws<KeyNotFoundException>(() => t.Column("CHUNK"));
        Assert.Contains("mem.conllu:13", e.Message);
        Assert.Contains("UPOS", e.Message);
    }

    [Fact]
    public void GenreAndBaseRelationHelpers()
    {
        Assert.Equal("weblog", ConllUReader.GenreOf("weblog-juancole.com_juancole_20051126063000_ENG_20051126_063000-0001"));
        Assert.Equal("newsgroup", ConllUReader.GenreOf("newsgroup-groups.google.com_x-0003"));
        Assert.Equal("reviews", ConllUReader.GenreOf("reviews-086839-0002"));
        Assert.Null(ConllUReader.GenreOf("nodash"));
        Assert.Null(ConllUReader.GenreOf(null));
        Assert.Equal("nmod", ConllUReader.BaseRelation("nmod:poss"));
        Assert.Equal("acl", ConllUReader.BaseRelation("acl:relcl:x"));
        Assert.Equal("root", ConllUReader.BaseRelation("root"));
    }

    [Theory]
    [InlineData("1\tI\tI\tPRON\tPRP\t_\t0\troot\t_\n", "expected 10 tab-separated columns", "found 9")]
    [InlineData("1 I I PRON PRP _ 0 root _ _\n", "expected 10 tab-separated columns", "found 1")]
    [InlineData("x\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n", "invalid ID 'x'", "range like 3-4")]
    [InlineData("1-x\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n", "invalid ID '1-x'", "empty node like 8.1")]
    [InlineData("2\tI\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n", "word ID 2 is out of sequence", "expected 1")]
    [InlineData("1\tI\tI\tPRON\tPRP\t_\tzero\troot\t_\t_\n", "invalid HEAD 'zero'", "non-negative integer")]
    [InlineData("1\tI\tI\t_\tPRP\t_\t0\troot\t_\t_\n", "word 1 has no UPOS tag (_)", "only multiword-token lines and empty nodes")]
    [InlineData("1\tI\tI\t\tPRP\t_\t0\troot\t_\t_\n", "column 4 (UPOS) is empty", "empty value as _")]
    [InlineData("1\t\tI\tPRON\tPRP\t_\t0\troot\t_\t_\n", "column 2 (FORM) is empty", "empty value as _")]
    [InlineData("1\tI\tI\tPRON\tPRP\t_\t2\troot\t_\t_\n", "HEAD 2 of word 1 is beyond the sentence, which has 1 words", "1..1")]
    public void MalformedLinesNameFileLineAndExpectation(string badLine, string what, string expectation)
    {
        string text = "# sent_id = a-1\n1\tOk\tok\tINTJ\tUH\t_\t0\troot\t_\t_\n\n# c\n" + badLine;
        var e = Assert.Throws<InvalidDataException>(() => Parse(text));
        Assert.Contains("mem.conllu:5:", e.Message);
        Assert.Contains(what, e.Message);
        Assert.Contains(expectation, e.Message);
    }

    [Fact]
    public void ReadsGzipAndPlainFilesAlike_CorruptGzipNamesFile()
    {
        using var dir = new TempDir();
        string plain = dir.File("x.conllu"), gz = dir.File("x.conllu.gz"), bad = dir.File("bad.conllu.gz");
        File.WriteAllText(plain, Sample);
        using (var fs = File.Create(gz))
        using (var z = new GZipStream(fs, CompressionLevel.Fastest))
        {
            z.Write(System.Text.Encoding.UTF8.GetBytes(Sample));
        }

        Assert.Equal(
            ConllUReader.Read(plain).SelectMany(s => s.Tokens).ToArray(),
            ConllUReader.Read(gz).SelectMany(s => s.Tokens).ToArray());
        Assert.Equal(gz + ":13", ConllUReader.Read(gz)[1].Source);

        File.WriteAllBytes(bad, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]);
        var e = Assert.Throws<InvalidDataException>(() => ConllUReader.Read(bad));
        Assert.Contains(bad, e.Message);

        File.WriteAllText(plain, "1\tonly\tthree\n");
        var e2 = Assert.Throws<InvalidDataException>(() => ConllUReader.Read(plain));
        Assert.Contains(plain + ":1:", e2.Message);
    }

    [DatasetFact("ud-english-ewt")]
    public void EwtSentenceAndTokenCountsPerSplitAndGenre()
    {
        // The table in shared/datasets/ud-english-ewt/SOURCE.md: genre -> (sentences, tokens) for train, dev, test.
        var expected = new Dictionary<string, (int Sents, int Tokens)[]>
        {
            ["answers"] = [(2631, 43480), (419, 5188), (438, 5331)],
            ["email"] = [(3770, 46255), (523, 5443), (606, 6107)],
            ["newsgroup"] = [(1833, 34978), (274, 4286), (284, 3780)],
            ["reviews"] = [(2725, 44811), (554, 5396), (535, 5381)],
            ["weblog"] = [(1585, 35053), (231, 4834), (214, 4495)],
        };
        int[] totalSents = [12544, 2001, 2077], totalTokens = [204577, 25147, 25094];
        for (int k = 0; k < 3; k++)
        {
            IReadOnlyList<ConllUSentence> sentences = EwtData.Get(UdEnglishEwt.Splits[k]);
            Assert.Equal(totalSents[k], sentences.Count);
            Assert.Equal(totalTokens[k], sentences.Sum(s => s.Tokens.Count));
            Assert.All(sentences, s => Assert.Contains(s.Genre, UdEnglishEwt.Genres));
            foreach (string genre in UdEnglishEwt.Genres)
            {
                var inGenre = sentences.Where(s => s.Genre == genre).ToList();
                Assert.Equal(expected[genre][k], (inGenre.Count, inGenre.Sum(s => s.Tokens.Count)));
            }
        }
    }

    [DatasetFact("ud-english-ewt")]
    public void EwtLabelInventories()
    {
        // SOURCE.md: UPOS 17 everywhere; XPOS 49/49/48; DEPREL 51/49/49; base DEPREL 36/36/34.
        int[] xpos = [49, 49, 48], deprel = [51, 49, 49], baseRel = [36, 36, 34];
        for (int k = 0; k < 3; k++)
        {
            HashSet<string> upos = [], xp = [], rel = [], bases = [];
            foreach (ConllUSentence sentence in EwtData.Get(UdEnglishEwt.Splits[k]))
            {
                foreach (ConllUToken t in sentence.Tokens)
                {
                    upos.Add(t.Upos);
                    xp.Add(t.Xpos);
                    rel.Add(t.Deprel);
                    bases.Add(t.BaseDeprel);
                    Assert.True(t.Head >= 0 && t.Head <= sentence.Tokens.Count, $"{sentence.Source}: HEAD {t.Head}");
                }
            }

            Assert.Equal(17, upos.Count);
            Assert.Equal(xpos[k], xp.Count);
            Assert.Equal(deprel[k], rel.Count);
            Assert.Equal(baseRel[k], bases.Count);
        }
    }

    [DatasetFact("ud-english-ewt")]
    public void EwtUncompressedFilesMatchTheDownloadChecksums()
    {
        // KnownDatasets.UdEnglishEwt lists the official (uncompressed) files; the shared copies are their gzip.
        foreach (DatasetFile f in KnownDatasets.UdEnglishEwt.Files.Where(f => f.FileName.EndsWith(".conllu", StringComparison.Ordinal)))
        {
            using Stream s = DataFile.OpenRead(Path.Combine(EwtData.Dir, f.FileName + ".gz"));
            Assert.Equal(f.Sha256, Convert.ToHexStringLower(SHA256.HashData(s)));
        }
    }

    [Fact]
    public void HeadBeyondTheSentenceNamesTheWordsLineNotTheSentenceEnd()
    {
        const string text = "1\tA\ta\tDET\tDT\t_\t2\tdet\t_\t_\n2\tcat\tcat\tNOUN\tNN\t_\t0\troot\t_\t_\n3\tsat\tsit\tVERB\tVBD\t_\t7\tacl\t_\t_\n\n";
        var e = Assert.Throws<InvalidDataException>(() => Parse(text));
        Assert.StartsWith("mem.conllu:3: HEAD 7 of word 3", e.Message);
        Assert.Equal(2, Parse(text.Replace("\t7\t", "\t2\t", StringComparison.Ordinal))[0].Tokens[2].Head);
    }

    [Fact]
    public void InvalidUtf8IsRejectedWithFileAndLine()
    {
        using var dir = new TempDir();
        string plain = dir.File("bad.conllu"), gz = dir.File("bad.conllu.gz");
        byte[] bytes = [.. System.Text.Encoding.UTF8.GetBytes(Sample[..Sample.IndexOf("4\tgo", StringComparison.Ordinal)]), (byte)'4', (byte)'\t', 0xC3, 0x28, .. System.Text.Encoding.UTF8.GetBytes(Sample[(Sample.IndexOf("4\tgo", StringComparison.Ordinal) + 4)..])];
        File.WriteAllBytes(plain, bytes);
        using (var fs = File.Create(gz))
        using (var z = new GZipStream(fs, CompressionLevel.Fastest))
        {
            z.Write(bytes);
        }

        foreach (string path in new[] { plain, gz })
        {
            var e = Assert.Throws<InvalidDataException>(() => ConllUReader.Read(path));
            Assert.StartsWith($"{path}:8: invalid UTF-8: byte 0xC3 at byte 3 of the line", e.Message);
        }

        // Valid UTF-8 beyond ASCII (and a byte-order mark) still reads.
        File.WriteAllText(plain, Sample.Replace("\tgo\tgo\t", "\tgö\tgo\t", StringComparison.Ordinal), new System.Text.UTF8Encoding(true));
        Assert.Equal("gö", ConllUReader.Read(plain)[0].Tokens[3].Form);
    }
}
