using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// <c>mtl predict</c> with a tagger checkpoint (ewt-domains hard sharing, full size) on CoNLL-U and plain text,
/// checked against the library's <see cref="TaggerPredictor"/>; bad sentences reported with file:line and skipped, or
/// fatal with --strict.
/// </summary>
[Collection("processes")]
public sealed class TaggerPredictTests
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    /// <summary>A freshly initialised checkpoint moved off its initial weights, stored as 'mtl train' stores it; the plan with those weights.</summary>
    private static (string Checkpoint, TaggerPredictor Predictor) Checkpoint(TempFolder tmp)
    {
        string data = EwtFactAttribute.DatasetsDir;
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-domains").Resolve("hard-sharing", null, data), 0, 1.0);
        var rng = new Rng(71);
        foreach (var p in plan.Model.Module.Parameters())
        {
            var noise = Tensor.Uniform(p.Value.Shape, -0.2f, 0.2f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += noise[i];
            }
        }

        string ck = Directory.CreateDirectory(Path.Combine(tmp.Path, "run", "checkpoints", "last")).FullName;
        MtlSharp.NN.Checkpoints.Checkpoint.SaveModel(plan.Model.Module, Path.Combine(ck, MtlSharp.NN.Checkpoints.Checkpoint.ModelFile));
        string args = string.Join(", ", new[] { "--preset", "ewt-domains", "--method", "hard-sharing", "--seed", "0", "--data", data }.Select(a => JsonSerializer.Serialize(a)));
        File.WriteAllText(Path.Combine(ck, MtlSharp.NN.Checkpoints.Checkpoint.MetadataFile), $$"""{ "step": 1, "epoch": 0, "config": { "args": [{{args}}] }, "metrics": {}, "extra": {}, "optimizerCount": 1 }""");

        // The reference: the run rebuilt (initial weights), the checkpoint loaded into it.
        var rebuilt = ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-domains").Resolve("hard-sharing", null, data), 0, 1.0);
        return (ck, TaggerPredictor.Load(rebuilt, ck));
    }

    /// <summary>The first <paramref name="count"/> sentences of EWT's test file, as CoNLL-U text (multiword tokens included).</summary>
    private static string TestSentences(int count)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(EwtFactAttribute.DatasetsDir, "ud-english-ewt", "en_ewt-ud-test.conllu.gz")), CompressionMode.Decompress));
        var text = new StringBuilder();
        int sentences = 0;
        string? line;
        while (sentences < count && (line = reader.ReadLine()) is not null)
        {
            text.Append(line).Append('\n');
            if (line.Length == 0)
            {
                sentences++;
            }
        }

        return text.ToString();
    }

    private static List<string[]> Words(string conllu) =>
        conllu.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('\t'))
                .Where(f => !f[0].Contains('-', StringComparison.Ordinal) && !f[0].Contains('.', StringComparison.Ordinal)).Select(f => f[1]).ToArray())
            .Where(w => w.Length > 0).ToList();

    [EwtFact]
    public void ConllUAndPlainTextPredictionsEqualThoseOfTheTaggerPredictor()
    {
        using var tmp = new TempFolder();
        var (ck, predictor) = Checkpoint(tmp);
        string conllu = TestSentences(40);
        var sentences = Words(conllu);
        Assert.Equal(40, sentences.Count);
        Assert.Contains(conllu.Split('\n'), l => l.Length > 0 && char.IsDigit(l[0]) && l.Split('\t')[0].Contains('-', StringComparison.Ordinal));   // multiword tokens are skipped
        string input = Path.Combine(tmp.Path, "in.conllu");
        File.WriteAllText(input, conllu);
        string outFile = Path.Combine(tmp.Path, "pred.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", input, "--out", outFile);
        Assert.True(code == 0, output);
        int tokens = sentences.Sum(s => s.Length);
        Assert.Contains($"mtl: 40 sentences ({tokens} tokens) predicted into {outFile}", output, StringComparison.Ordinal);

        var expected = predictor.Predict(sentences);
        var deprel = predictor.Labels(0);
        var upos = predictor.Labels(1);
        string[] rows = File.ReadAllLines(outFile);
        string[] header = rows[0].Split(',');
        Assert.Equal(["record", "line", "token", "word", "DEPREL"], header[..5]);
        Assert.Equal(5 + deprel.Count + 1 + upos.Count, header.Length);
        Assert.Equal("UPOS", header[5 + deprel.Count]);
        Assert.Equal(tokens + 1, rows.Length);
        string[] lines = conllu.Split('\n');
        int row = 0;
        for (int s = 0; s < sentences.Count; s++)
        {
            for (int j = 0; j < sentences[s].Length; j++, row++)
            {
                string[] f = ParseCsv(rows[row + 1]);
                Assert.Equal((s + 1).ToString(Ci), f[0]);
                Assert.Equal((j + 1).ToString(Ci), f[2]);
                Assert.Equal(sentences[s][j], f[3]);
                Assert.Equal(sentences[s][j], lines[int.Parse(f[1], Ci) - 1].Split('\t')[1]);   // the token's own line
                AssertTask(expected[0].AsSpan(row * deprel.Count, deprel.Count), deprel, f.AsSpan(4, 1 + deprel.Count));
                AssertTask(expected[1].AsSpan(row * upos.Count, upos.Count), upos, f.AsSpan(5 + deprel.Count, 1 + upos.Count));
            }
        }

        // The same sentences as plain text (one per line, blank lines between some), JSON lines, UPOS only: the same numbers.
        string plain = Path.Combine(tmp.Path, "in.txt");
        File.WriteAllText(plain, string.Join("\n", sentences.Select((w, i) => (i % 7 == 3 ? "\n" : "") + "  " + string.Join(i % 2 == 0 ? " " : " \t ", w))) + "\n");
        string jsonFile = Path.Combine(tmp.Path, "pred.jsonl");
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", plain, "--out", jsonFile, "--task", "UPOS");
        Assert.True(code == 0, output);
        string[] json = File.ReadAllLines(jsonFile);
        Assert.Equal(tokens, json.Length);
        row = 0;
        for (int s = 0; s < sentences.Count; s++)
        {
            for (int j = 0; j < sentences[s].Length; j++, row++)
            {
                using var doc = JsonDocument.Parse(json[row]);
                var root = doc.RootElement;
                Assert.Equal(["record", "line", "token", "word", "UPOS"], root.EnumerateObject().Select(p => p.Name));
                Assert.Equal(s + 1, root.GetProperty("record").GetInt64());
                Assert.Equal(j + 1, root.GetProperty("token").GetInt32());
                Assert.Equal(sentences[s][j], root.GetProperty("word").GetString());
                var y = expected[1].AsSpan(row * upos.Count, upos.Count);
                Assert.Equal(upos[ArgMax(y)], root.GetProperty("UPOS").GetProperty("label").GetString());
                var probs = root.GetProperty("UPOS").GetProperty("probabilities");
                var p = Softmax(y);
                for (int k = 0; k < upos.Count; k++)
                {
                    Assert.Equal(p[k], probs.GetProperty(upos[k]).GetDouble(), 12);
                }
            }
        }

        Assert.Equal(sentences.Count, json.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetInt64()).Distinct().Count());
    }

    [EwtFact]
    public void BadSentencesAreReportedWithTheirLinesAndSkippedAndStrictStops()
    {
        using var tmp = new TempFolder();
        var (ck, predictor) = Checkpoint(tmp);

        // CoNLL-U: sentence 2 has a 3-field line (line 6), sentence 3 an ID out of sequence (line 9), sentence 4 is fine.
        string conllu = Path.Combine(tmp.Path, "bad.conllu");
        File.WriteAllText(conllu,
            "# text = Good one\n1\tGood\t_\t_\t_\t_\t_\t_\t_\t_\n2\tone\t_\t_\t_\t_\t_\t_\t_\t_\n\n" +
            "1\tBad\t_\t_\t_\t_\t_\t_\t_\t_\n2\tfields\t_\n\n" +
            "1\tSkipped\t_\t_\t_\t_\t_\t_\t_\t_\n3\tid\t_\t_\t_\t_\t_\t_\t_\t_\n\n" +
            "1\tZzyzxqwv\t_\t_\t_\t_\t_\t_\t_\t_\n2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n2\tdo\t_\t_\t_\t_\t_\t_\t_\t_\n3\tn't\t_\t_\t_\t_\t_\t_\t_\t_\n");
        string outFile = Path.Combine(tmp.Path, "out.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", conllu, "--out", outFile);
        Assert.True(code == 0, output);
        Assert.Contains($"mtl: {conllu}:6: 3 tab-separated fields, expected 10 (CoNLL-U: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC) (sentence 2; skipped)", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: {conllu}:9: word ID 3 is out of sequence; expected 2 (sentence 3; skipped)", output, StringComparison.Ordinal);
        Assert.Contains("mtl: 2 sentences (5 tokens) predicted", output, StringComparison.Ordinal);
        Assert.Contains("2 bad sentences skipped", output, StringComparison.Ordinal);
        Assert.Contains("mtl: note: 1 of 5 tokens were not in the training vocabulary (read as <unk>, as in training)", output, StringComparison.Ordinal);
        Assert.Equal(["1,2,1,Good", "1,3,2,one", "4,11,1,Zzyzxqwv", "4,13,2,do", "4,14,3,n't"], File.ReadAllLines(outFile).Skip(1).Select(l => string.Join(',', l.Split(',')[..4])));
        Assert.False(predictor.IsKnownWord("Zzyzxqwv"));

        // Plain text: undecodable bytes (line 2) and a NUL (line 3) are bad sentences; --strict stops at the first
        // with exit 1 and leaves the existing output file as it was.
        string plain = Path.Combine(tmp.Path, "bad.txt");
        File.WriteAllBytes(plain, [.. "A fine line\n"u8, (byte)'b', (byte)'a', (byte)'d', (byte)' ', 0xff, 0xfe, (byte)'\n', (byte)'n', (byte)'u', 0x00, (byte)'l', (byte)'\n', .. "Another fine line .\n"u8]);
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", plain, "--out", outFile);
        Assert.True(code == 0, output);
        Assert.Contains($"mtl: {plain}:2: not valid UTF-8 (column 5) (sentence 2; skipped)", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: {plain}:3: a NUL character at column 3 (binary data?) (sentence 3; skipped)", output, StringComparison.Ordinal);
        Assert.Equal(["1", "1", "1", "4", "4", "4", "4"], File.ReadAllLines(outFile).Skip(1).Select(l => l.Split(',')[0]));

        File.WriteAllText(outFile, "old\n");
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", plain, "--out", outFile, "--strict");
        Assert.Equal(1, code);
        Assert.Contains($"mtl: {plain}:2: not valid UTF-8 (column 5) (sentence 2; stopped by --strict)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal("old\n", File.ReadAllText(outFile));
        Assert.Equal(["bad.conllu", "bad.txt", "out.csv", "run"], Directory.EnumerateFileSystemEntries(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static void AssertTask(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, ReadOnlySpan<string> fields)
    {
        Assert.Equal(labels[ArgMax(logits)], fields[0]);
        var p = Softmax(logits);
        for (int k = 0; k < labels.Count; k++)
        {
            Assert.Equal(p[k], double.Parse(fields[k + 1], Ci), 12);
        }
    }

    private static double[] Softmax(ReadOnlySpan<float> z)
    {
        double max = double.NegativeInfinity;
        foreach (float v in z)
        {
            max = Math.Max(max, v);
        }

        var p = new double[z.Length];
        double sum = 0;
        for (int k = 0; k < p.Length; k++)
        {
            p[k] = Math.Exp(z[k] - max);
            sum += p[k];
        }

        for (int k = 0; k < p.Length; k++)
        {
            p[k] /= sum;
        }

        return p;
    }

    private static int ArgMax(ReadOnlySpan<float> z)
    {
        int best = 0;
        for (int k = 1; k < z.Length; k++)
        {
            if (z[k] > z[best])
            {
                best = k;
            }
        }

        return best;
    }

    /// <summary>Splits one CSV line (quoted fields with doubled quotes).</summary>
    private static string[] ParseCsv(string line)
    {
        var fields = new List<string>();
        var f = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    f.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    f.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(f.ToString());
                f.Clear();
            }
            else
            {
                f.Append(c);
            }
        }

        fields.Add(f.ToString());
        return [.. fields];
    }
}
