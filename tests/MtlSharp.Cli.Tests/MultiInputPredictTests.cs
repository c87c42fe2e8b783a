using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlSharp.Data.Tabular;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// <c>mtl predict</c> with multi-input checkpoints (<c>multimodal</c> at small widths, <c>ewt-genre</c>'s trigram
/// model): the input file's type picks the tasks (IDX images → the digit tasks, CSV rows → income and married, plain
/// text → UPOS per token with the sentence's genre), the numbers equal the library's
/// <see cref="MultiInputPredictor"/>; a task named for the wrong kind of file, or a file no task reads, is a usage
/// error that says what the task reads.
/// </summary>
[Collection("processes")]
public sealed class MultiInputPredictTests
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    private const string SmallMultimodal = """
        { "data": { "limit": { "train": 64, "evaluation": 64 } },
          "model": { "width": 12, "encoders": { "digits": { "filters": 3 }, "sentences": { "hidden": 5 }, "trigram": { "buckets": 512 } },
                     "core": { "layers": [ { "type": "mlp", "components": 4, "sizes": [10] } ] } } }
        """;

    private static readonly string[][] Sentences =
    [
        ["I", "loved", "this", "restaurant", "!"],
        ["Send", "me", "the", "file", "by", "Friday", "."],
        ["Where", "can", "I", "buy", "a", "cheap", "Zzyzxqwv", "?"],
        ["Great"],
    ];

    /// <summary>A checkpoint of <paramref name="args"/>'s run with its weights moved off their initial values, and the library's predictor on it.</summary>
    private static (string Checkpoint, MultiInputPredictor Predictor) Checkpoint(TempFolder tmp, Func<RunPlan> build, string[] args)
    {
        var plan = build();
        var rng = new Rng(29);
        foreach (var p in plan.Model.Module.Parameters())
        {
            var noise = Tensor.Uniform(p.Value.Shape, -0.3f, 0.3f, rng).Span;
            Span<float> d = p.Data;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += noise[i];
            }
        }

        string ck = Directory.CreateDirectory(Path.Combine(tmp.Path, "run", "checkpoints", "last")).FullName;
        MtlSharp.NN.Checkpoints.Checkpoint.SaveModel(plan.Model.Module, Path.Combine(ck, MtlSharp.NN.Checkpoints.Checkpoint.ModelFile));
        string stored = string.Join(", ", args.Select(a => JsonSerializer.Serialize(a)));
        File.WriteAllText(Path.Combine(ck, MtlSharp.NN.Checkpoints.Checkpoint.MetadataFile), $$"""{ "step": 1, "epoch": 0, "config": { "args": [{{stored}}] }, "metrics": {}, "extra": {}, "optimizerCount": 1 }""");
        return (ck, MultiInputPredictor.Load(build(), ck));
    }

    [EwtFact]
    public void MultimodalTasksArePredictedFromTheFileTypeTheyRead()
    {
        using var tmp = new TempFolder();
        string data = EwtFactAttribute.DatasetsDir;
        var root = JsonNode.Parse(BuiltInConfigs.Text("multimodal"))!.AsObject();
        MergePatch.Apply(root, JsonNode.Parse(SmallMultimodal)!.AsObject());
        root.Remove("$schema");
        string config = Path.Combine(tmp.Path, "small-multimodal.json");
        File.WriteAllText(config, root.ToJsonString());
        var (ck, predictor) = Checkpoint(tmp, () => ConfigRunBuilder.Build(ConfigDocument.Parse(File.ReadAllText(config), config).Resolve("gumbel", null, data), 0, 1.0),
            ["--config", config, "--method", "gumbel", "--seed", "0", "--data", data]);

        // IDX images (the first 12 MNIST test images): the two digit tasks, as the library predicts them.
        string idx = Path.Combine(tmp.Path, "digits-idx3-ubyte");
        float[] pixels = WriteIdx(idx, 12);
        string outFile = Path.Combine(tmp.Path, "digits.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", idx, "--out", outFile);
        Assert.True(code == 0, output);
        Assert.Contains($"mtl: 12 records predicted into {outFile}", output, StringComparison.Ordinal);
        string[] rows = File.ReadAllLines(outFile);
        Assert.Equal(["record", "digit", .. Enumerable.Range(0, 10).Select(k => $"digit:{k}"), "digit-rot", .. Enumerable.Range(0, 10).Select(k => $"digit-rot:{k}")], rows[0].Split(','));
        Assert.Equal(13, rows.Length);
        for (int t = 0; t < 2; t++)
        {
            var expected = predictor.Predict(t, pixels);
            for (int r = 0; r < 12; r++)
            {
                AssertTask(expected.AsSpan(r * 10, 10), predictor.Labels(t), rows[r + 1].Split(',').AsSpan(1 + (t * 11), 11));
            }
        }

        // Plain text: UPOS per token and the sentence's genre on each of its tokens.
        string text = Path.Combine(tmp.Path, "sentences.txt");
        File.WriteAllText(text, string.Join("\n", Sentences.Select(s => string.Join(" ", s))) + "\n");
        string jsonFile = Path.Combine(tmp.Path, "sentences.jsonl");
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", text, "--out", jsonFile);
        Assert.True(code == 0, output);
        int tokens = Sentences.Sum(s => s.Length);
        Assert.Contains($"mtl: 4 sentences ({tokens} tokens) predicted into {jsonFile}", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: note: 1 of {tokens} tokens were not in the training vocabulary", output, StringComparison.Ordinal);
        int upos = predictor.TaskIndex("UPOS"), genre = predictor.TaskIndex("genre");
        var tags = predictor.Predict(upos, Sentences);
        var genres = predictor.Predict(genre, Sentences);
        string[] json = File.ReadAllLines(jsonFile);
        Assert.Equal(tokens, json.Length);
        int row = 0;
        for (int s = 0; s < Sentences.Length; s++)
        {
            for (int j = 0; j < Sentences[s].Length; j++, row++)
            {
                using var doc = JsonDocument.Parse(json[row]);
                var e = doc.RootElement;
                Assert.Equal(["record", "line", "token", "word", "UPOS", "genre"], e.EnumerateObject().Select(p => p.Name));
                Assert.Equal(Sentences[s][j], e.GetProperty("word").GetString());
                AssertJson(tags.AsSpan(row * predictor.Tasks[upos].Outputs, predictor.Tasks[upos].Outputs), predictor.Labels(upos), e.GetProperty("UPOS"));
                AssertJson(genres.AsSpan(s * 5, 5), predictor.Labels(genre), e.GetProperty("genre"));
            }
        }

        // CSV rows (the first 20 rows of the income survey, label columns included and ignored): income and married.
        string csv = Path.Combine(tmp.Path, "people.csv");
        File.WriteAllLines(csv, File.ReadLines(Path.Combine(data, "income", "income.csv")).Take(21));
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", csv, "--out", outFile);
        Assert.True(code == 0, output);
        rows = File.ReadAllLines(outFile);
        Assert.Equal(21, rows.Length);
        int income = predictor.TaskIndex("income"), married = predictor.TaskIndex("married");
        var encoded = Encode(predictor.Inputs[income].Csv!, csv);
        var incomeLabels = predictor.Labels(income);
        var marriedLabels = predictor.Labels(married);
        Assert.Equal(["record", "income", .. incomeLabels.Select(l => "income:" + l), "married", .. marriedLabels.Select(l => "married:" + l)], rows[0].Split(','));
        var pi = predictor.Predict(income, encoded);
        var pm = predictor.Predict(married, encoded);
        for (int r = 0; r < 20; r++)
        {
            string[] f = rows[r + 1].Split(',');
            AssertTask(pi.AsSpan(r * incomeLabels.Count, incomeLabels.Count), incomeLabels, f.AsSpan(1, 1 + incomeLabels.Count));
            AssertTask(pm.AsSpan(r * marriedLabels.Count, marriedLabels.Count), marriedLabels, f.AsSpan(2 + incomeLabels.Count, 1 + marriedLabels.Count));
        }

        // Bad: a task named for a file of another type; tasks over different inputs can't share a file either.
        File.WriteAllText(outFile, "old\n");
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", text, "--task", "income", "--out", outFile);
        Assert.Equal(2, code);
        Assert.Contains($"mtl: --task income reads table rows (a .csv file), but --input {text} holds plain-text sentences", output, StringComparison.Ordinal);
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", idx, "--task", "digit", "--task", "genre");
        Assert.Equal(2, code);
        Assert.Contains("mtl: --task genre reads sentences (a CoNLL-U or plain-text file, a sentence per line), but --input", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal("old\n", File.ReadAllText(outFile));
    }

    [EwtFact]
    public void EwtGenrePredictsOneLinePerSentenceAndRefusesOtherFiles()
    {
        using var tmp = new TempFolder();
        string data = EwtFactAttribute.DatasetsDir;
        var (ck, predictor) = Checkpoint(tmp, () => ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-genre").Resolve("trigram", null, data), 0, 1.0),
            ["--preset", "ewt-genre", "--method", "trigram", "--seed", "0", "--data", data]);
        string text = Path.Combine(tmp.Path, "sentences.txt");
        File.WriteAllText(text, string.Join("\n", Sentences.Select(s => string.Join(" ", s))) + "\n");
        string outFile = Path.Combine(tmp.Path, "genre.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", text, "--out", outFile);
        Assert.True(code == 0, output);
        string[] rows = File.ReadAllLines(outFile);
        Assert.Equal(["record", "genre", "genre:answers", "genre:email", "genre:newsgroup", "genre:reviews", "genre:weblog"], rows[0].Split(','));
        Assert.Equal(5, rows.Length);
        var expected = predictor.Predict(0, Sentences);
        for (int s = 0; s < 4; s++)
        {
            string[] f = rows[s + 1].Split(',');
            Assert.Equal((s + 1).ToString(Ci), f[0]);
            AssertTask(expected.AsSpan(s * 5, 5), predictor.Labels(0), f.AsSpan(1, 6));
        }

        string csv = Path.Combine(tmp.Path, "rows.csv");
        File.WriteAllText(csv, "a,b\n1,2\n");
        (code, output) = Mtl.Run("predict", "--checkpoint", ck, "--input", csv);
        Assert.Equal(2, code);
        Assert.Contains($"mtl: --input {csv} holds CSV rows, but no task of ewt-genre/trigram reads table rows; its tasks read: genre (sentences)", output, StringComparison.Ordinal);
    }

    /// <summary>Writes the first <paramref name="count"/> MNIST test images as an uncompressed IDX file; returns their grey levels / 255.</summary>
    private static float[] WriteIdx(string path, int count)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(EwtFactAttribute.DatasetsDir, "mnist", "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
        var bytes = new byte[16 + (count * 784)];
        gz.ReadExactly(bytes);
        bytes[4] = 0;
        bytes[5] = 0;
        bytes[6] = 0;
        bytes[7] = (byte)count;
        File.WriteAllBytes(path, bytes);
        return [.. bytes.Skip(16).Select(b => b / 255f)];
    }

    /// <summary>The rows of a CSV file in the run's encoding (as 'mtl predict' encodes them).</summary>
    private static float[] Encode(CsvTaskSet csv, string path)
    {
        using var reader = CsvRecordReader.Open(path);
        var encoder = csv.BindInputs(reader.Columns, path);
        var rows = new List<float>();
        var row = new float[csv.InputWidth];
        while (reader.Read())
        {
            csv.EncodeInput(encoder, reader.Fields, row, reader.Location);
            rows.AddRange(row);
        }

        return [.. rows];
    }

    private static void AssertTask(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, ReadOnlySpan<string> fields)
    {
        var p = Softmax(logits);
        Assert.Equal(labels[ArgMax(p)], fields[0]);
        for (int k = 0; k < labels.Count; k++)
        {
            Assert.Equal(p[k], double.Parse(fields[k + 1], Ci), 12);
        }
    }

    private static void AssertJson(ReadOnlySpan<float> logits, IReadOnlyList<string> labels, JsonElement task)
    {
        var p = Softmax(logits);
        Assert.Equal(labels[ArgMax(p)], task.GetProperty("label").GetString());
        var probs = task.GetProperty("probabilities");
        for (int k = 0; k < labels.Count; k++)
        {
            Assert.Equal(p[k], probs.GetProperty(labels[k]).GetDouble(), 12);
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

    private static int ArgMax(double[] p)
    {
        int best = 0;
        for (int k = 1; k < p.Length; k++)
        {
            if (p[k] > p[best])
            {
                best = k;
            }
        }

        return best;
    }
}
