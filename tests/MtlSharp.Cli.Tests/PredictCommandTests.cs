using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.Testing;

namespace MtlSharp.Cli.Tests;

/// <summary><c>mtl predict</c> through the real command, checked against the library's <see cref="Predictor"/>.</summary>
[Collection("processes")]
public sealed class PredictCommandTests
{
    // x numeric, c categorical (one-hot), y a class label, z a regression label (with gaps), m a second class label.
    private const string Table =
        "x,c,y,z,m\n-2,a,q,,u\n-1,b,q,1,v\n0,a,q,,u\n1,b,p,2,w\n2,a,p,5,u\n3,b,p,3,v\n-3,a,q,-5,w\n4,b,p,4,u\n-4,a,q,,v\n5,b,p,5,w\n6,a,p,13,u\n-5,b,q,-5,v\n";

    private const string Config = """
        {
          "name": "mine",
          "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 2 } },
          "tasks": [
            { "name": "sign", "kind": "classification", "column": "y" },
            { "name": "value", "kind": "regression", "column": "z", "metric": "mae" },
            { "name": "kind", "kind": "classification", "column": "m" }
          ],
          "model": { "type": "routed", "layers": [ { "type": "mlp", "components": 2, "sizes": [4] } ] },
          "methods": { "shared": { "model": { "router": "shared-bottom" } } },
          "schedule": { "batchSize": 2, "epochs": 3 }
        }
        """;

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    [Fact]
    public void CsvPredictionsWithoutLabelColumnsEqualThoseOfThePredictor()
    {
        using var tmp = new TempFolder();
        string ckpt = TrainCsv(tmp);

        // The training rows without their label columns, columns in another order: every row is a record to predict.
        var lines = Table.TrimEnd('\n').Split('\n').Select(l => l.Split(',')).ToArray();
        File.WriteAllLines(Path.Combine(tmp.Path, "new.csv"), lines.Select(f => $"{f[1]},{f[0]}"));
        string outFile = Path.Combine(tmp.Path, "pred.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", Path.Combine(tmp.Path, "new.csv"), "--out", outFile);
        Assert.True(code == 0, output);
        Assert.Contains("12 records predicted", output, StringComparison.Ordinal);

        // The reference: the run rebuilt in-process, its training table encoded by the fitted encoder, the checkpoint's predictor.
        var doc = ConfigDocument.Load(Path.Combine(tmp.Path, "my.json"));
        var plan = ConfigRunBuilder.Build(doc.Resolve("shared", null, tmp.Path), 0);
        var predictor = Predictor.Load(plan, ckpt);
        var csv = plan.Tabular!;
        Assert.Equal(["p", "q"], csv.Labels[0].Classes);
        var x = csv.Encoder.Encode(Enumerable.Range(0, 12).ToArray()).Dense;
        float[] sign = predictor.Predict("sign", x), value = predictor.Predict("value", x), kind = predictor.Predict("kind", x);

        string[] rows = File.ReadAllLines(outFile);
        Assert.Equal("record,sign,sign:p,sign:q,value,kind,kind:u,kind:v,kind:w", rows[0]);
        Assert.Equal(13, rows.Length);
        for (int r = 0; r < 12; r++)
        {
            string[] f = rows[r + 1].Split(',');
            Assert.Equal((r + 1).ToString(Ci), f[0]);
            double[] ps = [double.Parse(f[2], Ci), double.Parse(f[3], Ci)];
            double[] pk = [double.Parse(f[6], Ci), double.Parse(f[7], Ci), double.Parse(f[8], Ci)];
            Assert.Equal(1.0, ps.Sum(), 12);
            Assert.Equal(1.0, pk.Sum(), 12);
            AssertSoftmax(sign.AsSpan(r * 2, 2), ps);
            AssertSoftmax(kind.AsSpan(r * 3, 3), pk);
            Assert.Equal(sign[r * 2] > sign[(r * 2) + 1] ? "p" : "q", f[1]);
            Assert.Equal(csv.Labels[2].Classes[ArgMax(kind.AsSpan(r * 3, 3))], f[5]);
            Assert.Equal(csv.Labels[1].Decode(value[r]), double.Parse(f[4], Ci), 9);
        }

        // JSON lines carry the same numbers; --task picks and orders tasks.
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", Path.Combine(tmp.Path, "new.csv"), "--out", Path.Combine(tmp.Path, "p.jsonl"), "--task", "value", "--task", "sign");
        Assert.True(code == 0, output);
        string[] json = File.ReadAllLines(Path.Combine(tmp.Path, "p.jsonl"));
        Assert.Equal(12, json.Length);
        using var first = JsonDocument.Parse(json[0]);
        Assert.Equal(["record", "value", "sign"], first.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(rows[1].Split(',')[1], first.RootElement.GetProperty("sign").GetProperty("label").GetString());
        Assert.Equal(double.Parse(rows[1].Split(',')[2], Ci), first.RootElement.GetProperty("sign").GetProperty("probabilities").GetProperty("p").GetDouble());
        Assert.Equal(double.Parse(rows[1].Split(',')[4], Ci), first.RootElement.GetProperty("value").GetProperty("value").GetDouble());
    }

    [Fact]
    public void BadRecordsAreReportedWithTheirLinesAndSkippedAndStrictStopsWithoutTouchingTheOutput()
    {
        using var tmp = new TempFolder();
        string ckpt = TrainCsv(tmp);
        string input = Path.Combine(tmp.Path, "in.csv");
        // Line 3: not a number; line 4: one field; lines 5-6: one record with a quoted line break (an unseen level);
        // line 7: infinite; line 8: text after a closing quote; line 9: fine; a blank line is no record.
        File.WriteAllText(input, "x,c\n1,a\nzz,b\n2\n3,\"b\nc\"\n1e999,a\n4,\"a\"x\n\n5,b\n");
        string outFile = Path.Combine(tmp.Path, "out.csv");
        var (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", input, "--out", outFile);
        Assert.True(code == 0, output);
        Assert.Contains($"mtl: {input}:3: column 'x': 'zz' is not a number (record 2; skipped)", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: {input}:4: 1 field, expected 2 (the header has 2 columns) (record 3; skipped)", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: {input}:7: column 'x': an infinite value '1e999' in a feature", output, StringComparison.Ordinal);
        Assert.Contains($"mtl: {input}:8: unexpected 'x' after the closing quote", output, StringComparison.Ordinal);
        Assert.Contains("4 bad records skipped", output, StringComparison.Ordinal);
        Assert.Contains("1 values were categories not seen in training", output, StringComparison.Ordinal);
        Assert.Equal(["1", "4", "7"], File.ReadAllLines(outFile).Skip(1).Select(l => l.Split(',')[0]));

        // --strict: exit 1 at the first bad record; the existing output file is left as it was and no temporary remains.
        File.WriteAllText(outFile, "old\n");
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", input, "--out", outFile, "--strict");
        Assert.Equal(1, code);
        Assert.Contains($"mtl: {input}:3: column 'x': 'zz' is not a number (record 2; stopped by --strict)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Equal("old\n", File.ReadAllText(outFile));
        Assert.Equal(["in.csv", "my.json", "out.csv", "run", "t.csv"], Directory.EnumerateFileSystemEntries(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // A missing input column is an error naming it; an unknown task is a usage error.
        File.WriteAllText(input, "c\na\n");
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", input);
        Assert.Equal(1, code);
        Assert.Contains($"mtl: {input}: no column 'x', an input of the model", output, StringComparison.Ordinal);
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", input, "--task", "nope");
        Assert.Equal(2, code);
        Assert.Contains("unknown task 'nope'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpertMixturePredictionsEqualThoseOfThePredictor()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), Table);
        string cfg = Path.Combine(tmp.Path, "moe.json");
        File.WriteAllText(cfg, Config.Replace(
            "\"methods\": { \"shared\": { \"model\": { \"router\": \"shared-bottom\" } } },",
            "\"methods\": { \"mmoe\": { \"model\": { \"type\": \"mmoe\", \"router\": null, \"layers\": null, \"heads\": null, \"experts\": 2, \"expertSizes\": [3], \"gates\": \"per-task\" } } },",
            StringComparison.Ordinal));
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", cfg, "--method", "mmoe", "--data", tmp.Path, "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        string ckpt = Path.Combine(run, "checkpoints", "last");
        string outFile = Path.Combine(tmp.Path, "pred.csv");
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", Path.Combine(tmp.Path, "t.csv"), "--out", outFile, "--task", "kind");
        Assert.True(code == 0, output);
        Assert.Contains("12 records predicted", output, StringComparison.Ordinal);

        var plan = ConfigRunBuilder.Build(ConfigDocument.Load(cfg).Resolve("mmoe", null, tmp.Path), 0);
        Assert.IsType<MtlSharp.MultiTask.Models.Experts.ExpertModel>(plan.Model);
        var predictor = Predictor.Load(plan, ckpt);
        var x = plan.Tabular!.Encoder.Encode(Enumerable.Range(0, 12).ToArray()).Dense;
        float[] kind = predictor.Predict("kind", x);
        string[] rows = File.ReadAllLines(outFile);
        Assert.Equal("record,kind,kind:u,kind:v,kind:w", rows[0]);
        for (int r = 0; r < 12; r++)
        {
            string[] f = rows[r + 1].Split(',');
            AssertSoftmax(kind.AsSpan(r * 3, 3), [double.Parse(f[2], Ci), double.Parse(f[3], Ci), double.Parse(f[4], Ci)]);
        }
    }

    [Fact]
    public void ImagesPredictFromIdxAndPngAlike()
    {
        using var tmp = new TempFolder();
        string mnist = Path.Combine(tmp.Path, "mnist");
        var rng = new Random(3);
        byte[][] Images(int n) => [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, 784).Select(_ => (byte)rng.Next(256)).ToArray())];
        var train = Images(16);
        var test = Images(5);
        IdxFixture.Write(mnist, [.. Enumerable.Range(0, 16).Select(i => (byte)(i % 3))], [0, 1, 2, 0, 1], (_, i, y, x) => (i < 1000 ? train[i] : test[i - 1000])[(y * 28) + x]);
        string cfg = Path.Combine(tmp.Path, "img.json");
        File.WriteAllText(cfg, """
            {
              "name": "img",
              "data": { "type": "idx-images", "path": "mnist" },
              "tasks": [ { "name": "a", "kind": "classification" }, { "name": "b", "kind": "classification" } ],
              "model": { "type": "routed", "router": "shared-bottom", "layers": [ { "type": "conv", "components": 1, "filters": 2, "kernel": 3 } ], "heads": true },
              "schedule": { "batchSize": 4, "rounds": 3 }
            }
            """);
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", cfg, "--data", tmp.Path, "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        string ckpt = Path.Combine(run, "checkpoints", "last");

        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", Path.Combine(mnist, "t10k-images-idx3-ubyte"), "--format", "jsonl");
        Assert.True(code == 0, output);
        var fromIdx = output.Split('\n').Where(l => l.StartsWith('{')).ToArray();
        Assert.Equal(5, fromIdx.Length);

        // The same images as PNG files (and one that is not a PNG: reported, skipped).
        string pngs = Path.Combine(tmp.Path, "pngs");
        Directory.CreateDirectory(pngs);
        for (int i = 0; i < test.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(pngs, $"img{i}.png"), Png(test[i], 28, 28));
        }

        File.WriteAllText(Path.Combine(pngs, "img2b.png"), "not a png");
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", pngs, "--format", "jsonl");
        Assert.True(code == 0, output);
        Assert.Contains("img2b.png: not a readable PNG image", output, StringComparison.Ordinal);
        var fromPng = output.Split('\n').Where(l => l.StartsWith('{')).ToArray();
        Assert.Equal(5, fromPng.Length);
        for (int i = 0; i < 5; i++)
        {
            using var a = JsonDocument.Parse(fromIdx[i]);
            using var b = JsonDocument.Parse(fromPng[i]);
            Assert.Equal($"img{i}.png", b.RootElement.GetProperty("file").GetString());
            foreach (string task in new[] { "a", "b" })
            {
                Assert.Equal(a.RootElement.GetProperty(task).GetRawText(), b.RootElement.GetProperty(task).GetRawText());
                Assert.Equal(1.0, a.RootElement.GetProperty(task).GetProperty("probabilities").EnumerateObject().Sum(p => p.Value.GetDouble()), 12);
            }
        }

        // A PNG of another size is fitted to the model's 28x28 (a 56x56 image of 2x2 blocks averages back exactly).
        byte[] big = new byte[56 * 56];
        for (int y = 0; y < 56; y++)
        {
            for (int x = 0; x < 56; x++)
            {
                big[(y * 56) + x] = test[0][((y / 2) * 28) + (x / 2)];
            }
        }

        File.WriteAllBytes(Path.Combine(tmp.Path, "big.png"), Png(big, 56, 56));
        (code, output) = Mtl.Run("predict", "--checkpoint", ckpt, "--input", Path.Combine(tmp.Path, "big.png"), "--format", "jsonl");
        Assert.True(code == 0, output);
        using var resized = JsonDocument.Parse(output.Split('\n').Single(l => l.StartsWith('{')));
        using var original = JsonDocument.Parse(fromIdx[0]);
        Assert.Equal(original.RootElement.GetProperty("a").GetRawText(), resized.RootElement.GetProperty("a").GetRawText());
    }

    private static string TrainCsv(TempFolder tmp)
    {
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), Table);
        string cfg = Path.Combine(tmp.Path, "my.json");
        File.WriteAllText(cfg, Config);
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", cfg, "--data", tmp.Path, "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        return Path.Combine(run, "checkpoints", "last");
    }

    private static void AssertSoftmax(ReadOnlySpan<float> logits, double[] probabilities)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits)
        {
            max = Math.Max(max, z);
        }

        double sum = 0;
        foreach (float z in logits)
        {
            sum += Math.Exp(z - max);
        }

        for (int k = 0; k < logits.Length; k++)
        {
            Assert.Equal(Math.Exp(logits[k] - max) / sum, probabilities[k], 12);
        }
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int k = 1; k < v.Length; k++)
        {
            best = v[k] > v[best] ? k : best;
        }

        return best;
    }

    /// <summary>A minimal 8-bit grayscale PNG (one IDAT, filter 0 on every row).</summary>
    private static byte[] Png(byte[] pixels, int width, int height)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(n, data.Length);
            ms.Write(n);
            byte[] body = [.. Encoding.ASCII.GetBytes(type), .. data];
            ms.Write(body);
            BinaryPrimitives.WriteUInt32BigEndian(n, Crc32.HashToUInt32(body));
            ms.Write(n);
        }

        byte[] ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;   // bit depth; colour type 0 (grayscale), compression, filter, interlace 0
        Chunk("IHDR", ihdr);
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(pixels, y * width, width);
            }
        }

        Chunk("IDAT", raw.ToArray());
        Chunk("IEND", []);
        return ms.ToArray();
    }
}
