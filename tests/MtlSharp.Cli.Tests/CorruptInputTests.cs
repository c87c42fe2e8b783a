using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// A corpus of hostile inputs run through the real <c>mtl</c>: for each, a damaged copy of a small valid file
/// (made here at run time) is given to the command that reads it — <c>train --config</c>, a preset with
/// <c>--data</c> pointing at a folder of damaged files, <c>eval --checkpoint</c>. Each must end with exit code 1 or 2,
/// a message naming the damaged file and saying what is wrong, no stack trace, and no output left behind (no run
/// folder; the checkpoint folder unchanged).
/// </summary>
[Collection("processes")]
public sealed class CorruptInputTests(CorruptInputFixture fixture) : IClassFixture<CorruptInputFixture>
{
    private const int Side = 28;

    /// <summary>What one case runs and expects.</summary>
    private sealed record Case(string[] Args, string DamagedFile, string Expected, string? Watched = null);

    public static TheoryData<string> Names() => [.. Builders.Keys];

    private static readonly Dictionary<string, Func<string, CorruptInputFixture, Case>> Builders = new(StringComparer.Ordinal)
    {
        // IDX (MNIST layout) through the mnist4 preset: --data holds mnist/ with the four files.
        ["idx-wrong-magic"] = (d, _) => Mnist(d, images: [.. Header(2050, 3, Side, Side), .. Pixels(3)], expected: "magic number 2050"),
        ["idx-truncated"] = (d, _) => Mnist(d, images: Gzip([.. Header(2051, 3, Side, Side), .. Pixels(3)[..1000]]), expected: "truncated IDX file"),
        ["idx-absurd-count"] = (d, _) => Mnist(d, images: [.. Header(2051, int.MaxValue, Side, Side), .. Pixels(3)], expected: "2147483647 images"),
        ["idx-absurd-count-gzip"] = (d, _) => Mnist(d, images: Gzip([.. Header(2051, 2_000_000_000, 1, 1), .. Pixels(1)]), expected: "truncated IDX file"),
        ["idx-no-images"] = (d, _) => Mnist(d, images: Gzip(Header(2051, 0, Side, Side)), expected: "holds no images"),
        ["idx-wrong-image-size"] = (d, _) => Mnist(d, images: Gzip([.. Header(2051, 3, 20, 20), .. new byte[1200]]), expected: "must be 28x28"),
        ["idx-label-out-of-range"] = (d, _) => Mnist(d, labels: Gzip([.. Header(2049, 3), 1, 12, 3]), expected: "label 12 at index 1", damaged: "train-labels-idx1-ubyte.gz"),
        ["idx-is-a-directory"] = (d, _) => Mnist(d, expected: "is a directory", imagesFolder: true),
        ["gzip-crc-error"] = (d, _) => Mnist(d, images: FlipCrc(Gzip([.. Header(2051, 3, Side, Side), .. Pixels(3)])), expected: "corrupt gzip data"),
        ["gzip-cut-short"] = (d, _) => Mnist(d, images: Gzip([.. Header(2051, 3, Side, Side), .. Pixels(3)])[..300], expected: "truncated gzip file"),

        // Omniglot zips through the omniglot preset: --data holds omniglot/ with the two archives.
        ["omniglot-entry-not-png"] = (d, _) => Omniglot(d, zip => zip.Add("images_background/Gujarati/character01/0419_01.png", "not a png"u8.ToArray()), "entry images_background/Gujarati/character01/0419_01.png: not a PNG"),
        ["omniglot-archive-cut-short"] = (d, _) => Omniglot(d, zip => zip.Add("images_background/Gujarati/character01/0419_01.png", new byte[4000]), "not a readable zip archive", cut: true),

        // CoNLL-U through the ewt-domains preset: --data holds ud-english-ewt/ with the three splits.
        ["conllu-invalid-utf8"] = (d, _) => Ewt(d, Encoding.UTF8.GetBytes(ConllU).Concat(new byte[] { 0xC3, 0x28, (byte)'\n' }).ToArray(), "invalid UTF-8"),
        ["conllu-head-beyond-sentence"] = (d, _) => Ewt(d, Encoding.UTF8.GetBytes(ConllU.Replace("\t0\troot\t0:root\t_\n2\tthere", "\t9\troot\t0:root\t_\n2\tthere", StringComparison.Ordinal)), "HEAD 9"),
        ["conllu-empty-upos"] = (d, _) => Ewt(d, Encoding.UTF8.GetBytes(ConllU.Replace("\tINTJ\t", "\t_\t", StringComparison.Ordinal)), "no UPOS tag"),

        // CSV through a configuration file of CSV tasks.
        ["csv-invalid-utf8"] = (d, _) => Csv(d, [.. Encoding.UTF8.GetBytes(Table + "1,b,"), 0xFF, .. "p,2\n"u8], "invalid UTF-8"),
        ["csv-unterminated-quote"] = (d, _) => Csv(d, Encoding.UTF8.GetBytes(Table + "1,\"b,p,2\n"), "unterminated quoted field"),

        // JSON configuration files.
        ["config-truncated"] = (d, _) => Config(d, Encoding.UTF8.GetBytes(CsvConfig[..(CsvConfig.Length / 2)]), "not valid JSON"),
        ["config-invalid-utf8"] = (d, _) => Config(d, [.. Encoding.UTF8.GetBytes(CsvConfig.Replace("\"mine\"", "\"mi\u0001ne\"", StringComparison.Ordinal)).Select(b => b == 1 ? (byte)0xFE : b)], "invalid UTF-8"),
        ["config-absurd-size"] = (d, _) => Config(d, Encoding.UTF8.GetBytes(SyntheticConfig(2_000_000_000)), "too large"),
        ["config-is-a-directory"] = (d, _) =>
        {
            string cfg = Path.Combine(d, "cfg.json");
            Directory.CreateDirectory(cfg);
            return new Case(["train", "--config", cfg, "--out", Path.Combine(d, "run")], cfg, "is a directory");
        },

        // Checkpoints through eval: a copy of a real checkpoint with one file damaged.
        ["safetensors-absurd-shape"] = (d, f) => Checkpoint(d, f, "model.safetensors", SafeTensors("""{"w":{"dtype":"F32","shape":[46340,46340],"data_offsets":[0,128]}}""", 128), "needs 8589582400 bytes"),
        ["safetensors-shape-overflow"] = (d, f) => Checkpoint(d, f, "model.safetensors", SafeTensors("""{"w":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,128]}}""", 128), "tensor 'w' has shape [100000, 100000], more than"),
        ["safetensors-wrong-dtype"] = (d, f) => Checkpoint(d, f, "model.safetensors", SafeTensors("""{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4), "dtype F16"),
        ["safetensors-bad-offsets"] = (d, f) => Checkpoint(d, f, "model.safetensors", SafeTensors("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12), "gap or overlap"),
        ["safetensors-absurd-header-length"] = (d, f) => Checkpoint(d, f, "model.safetensors", [.. BitConverter.GetBytes(1L << 40), .. new byte[64]], "header length 1099511627776"),
        ["checkpoint-json-truncated"] = (d, f) => Checkpoint(d, f, "checkpoint.json", b => b[..(b.Length / 2)], "damaged checkpoint metadata"),
        ["checkpoint-json-invalid-utf8"] = (d, f) => Checkpoint(d, f, "checkpoint.json", b => [(byte)'{', (byte)'"', 0xFF, .. b[1..]], "damaged checkpoint metadata"),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void IsRejectedWithTheFileNamedAndNothingLeftBehind(string name)
    {
        using var tmp = new TempFolder();
        Case c = Builders[name](tmp.Path, fixture);
        string run = Path.Combine(tmp.Path, "run");
        string[] before = Snapshot(c.Watched);
        var (code, output) = Mtl.Run(c.Args);
        Assert.True(code is 1 or 2, $"exit code {code}:\n{output}");
        Assert.True(output.Contains(c.DamagedFile, StringComparison.Ordinal), $"the message does not name {c.DamagedFile}:\n{output}");
        Assert.True(output.Contains(c.Expected, StringComparison.Ordinal), $"the message does not say '{c.Expected}':\n{output}");
        Assert.False(output.Contains("   at ", StringComparison.Ordinal), $"a stack trace:\n{output}");
        Assert.False(Directory.Exists(run), $"a run folder was left behind:\n{output}");
        Assert.Equal(before, Snapshot(c.Watched));
    }

    /// <summary>The files of a folder with their sizes (empty for none).</summary>
    private static string[] Snapshot(string? dir) =>
        dir is null ? [] : [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => $"{f} {new FileInfo(f).Length}")];

    private static byte[] Header(params int[] values)
    {
        var h = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(i * 4), values[i]);
        }

        return h;
    }

    private static byte[] Pixels(int count) => [.. Enumerable.Range(0, count * Side * Side).Select(i => (byte)(i % 251))];

    private static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(content);
        }

        return ms.ToArray();
    }

    /// <summary>Damages the CRC-32 in the gzip trailer (the 8th- to 5th-last bytes).</summary>
    private static byte[] FlipCrc(byte[] gzip)
    {
        gzip[^8] ^= 0xFF;
        return gzip;
    }

    /// <summary>
    /// A valid MNIST folder (3 train and 3 test images, gzip) under <paramref name="dir"/>/data/mnist with the train
    /// images or labels replaced (or a folder in place of the train images); runs the mnist4 preset on it.
    /// </summary>
    private static Case Mnist(string dir, string expected, byte[]? images = null, byte[]? labels = null, string damaged = "train-images-idx3-ubyte.gz", bool imagesFolder = false)
    {
        string data = Path.Combine(dir, "data"), mnist = Path.Combine(data, "mnist");
        Directory.CreateDirectory(mnist);
        byte[] goodImages = Gzip([.. Header(2051, 3, Side, Side), .. Pixels(3)]), goodLabels = Gzip([.. Header(2049, 3), 1, 2, 3]);
        File.WriteAllBytes(Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"), goodImages);
        File.WriteAllBytes(Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz"), goodLabels);
        File.WriteAllBytes(Path.Combine(mnist, "train-labels-idx1-ubyte.gz"), labels ?? goodLabels);
        string trainImages = Path.Combine(mnist, "train-images-idx3-ubyte.gz");
        if (imagesFolder)
        {
            Directory.CreateDirectory(trainImages);
        }
        else
        {
            File.WriteAllBytes(trainImages, images ?? goodImages);
        }

        return new Case(["train", "--preset", "mnist4", "--data", data, "--out", Path.Combine(dir, "run")], Path.Combine(mnist, damaged), expected);
    }

    private const string ConllU =
        "# sent_id = answers-20111105112131AA6gIX6_ans-0001\n# text = Hi there\n" +
        "1\tHi\thi\tINTJ\tUH\t_\t0\troot\t0:root\t_\n2\tthere\tthere\tADV\tRB\t_\t1\tadvmod\t1:advmod\t_\n\n" +
        "# sent_id = email-enronsent01_01-0002\n# text = Go\n1\tGo\tgo\tVERB\tVB\t_\t0\troot\t0:root\t_\n\n";

    /// <summary>UD English-EWT splits under <paramref name="dir"/>/data: valid dev and test, the given train file.</summary>
    private static Case Ewt(string dir, byte[] train, string expected)
    {
        string data = Path.Combine(dir, "data"), ewt = Path.Combine(data, "ud-english-ewt");
        Directory.CreateDirectory(ewt);
        File.WriteAllText(Path.Combine(ewt, "en_ewt-ud-dev.conllu"), ConllU);
        File.WriteAllText(Path.Combine(ewt, "en_ewt-ud-test.conllu"), ConllU);
        string path = Path.Combine(ewt, "en_ewt-ud-train.conllu");
        File.WriteAllBytes(path, train);
        return new Case(["train", "--preset", "ewt-domains", "--data", data, "--out", Path.Combine(dir, "run")], path, expected);
    }

    internal const string Table = "x,c,y,z\n-2,a,q,\n-1,b,q,1\n0,a,q,\n1,b,p,2\n2,a,p,5\n3,b,p,3\n-3,a,q,-5\n4,b,p,4\n";

    internal const string CsvConfig = """
        {
          "name": "mine",
          "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 2 } },
          "tasks": [
            { "name": "sign", "kind": "classification", "column": "y" },
            { "name": "value", "kind": "regression", "column": "z", "metric": "mae" }
          ],
          "model": { "type": "routed", "layers": [ { "type": "mlp", "components": 2, "sizes": [4] } ] },
          "methods": { "single": { "model": { "router": "no-sharing" } }, "shared": { "model": { "router": "shared-bottom" } } },
          "schedule": { "batchSize": 2, "epochs": 2 }
        }
        """;

    private static string SyntheticConfig(int train) => $$"""
        {
          "name": "huge",
          "data": { "type": "synthetic", "clusters": [2], "train": {{train}}, "test": 10 },
          "tasks": [ { "name": "a", "kind": "regression" }, { "name": "b", "kind": "regression" } ],
          "model": { "type": "routed", "layers": [ { "type": "mlp", "components": 2, "sizes": [4, 1] } ] },
          "schedule": { "batchSize": 2, "rounds": 2 }
        }
        """;

    /// <summary>A damaged CSV file read by a valid configuration.</summary>
    /// <summary>
    /// <paramref name="dir"/>/data/omniglot with an evaluation archive holding nothing and a background archive of the
    /// entries <paramref name="fill"/> adds (stored uncompressed; <paramref name="cut"/> keeps only its first half);
    /// runs the omniglot preset on it.
    /// </summary>
    private static Case Omniglot(string dir, Action<Dictionary<string, byte[]>> fill, string expected, bool cut = false)
    {
        string omniglot = Path.Combine(dir, "data", "omniglot");
        Directory.CreateDirectory(omniglot);
        static byte[] Zip(Dictionary<string, byte[]> entries)
        {
            using var ms = new MemoryStream();
            using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, bytes) in entries)
                {
                    using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                    s.Write(bytes);
                }
            }

            return ms.ToArray();
        }

        var background = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        fill(background);
        byte[] bytes = Zip(background);
        string damaged = Path.Combine(omniglot, "images_background.zip");
        File.WriteAllBytes(damaged, cut ? bytes[..(bytes.Length / 2)] : bytes);
        File.WriteAllBytes(Path.Combine(omniglot, "images_evaluation.zip"), Zip([]));
        return new Case(["train", "--preset", "omniglot", "--data", Path.Combine(dir, "data"), "--out", Path.Combine(dir, "run")], damaged, expected);
    }

    private static Case Csv(string dir, byte[] csv, string expected)
    {
        string path = Path.Combine(dir, "t.csv"), cfg = Path.Combine(dir, "c.json");
        File.WriteAllBytes(path, csv);
        File.WriteAllText(cfg, CsvConfig);
        return new Case(["train", "--config", cfg, "--data", dir, "--out", Path.Combine(dir, "run")], path, expected);
    }

    /// <summary>A damaged configuration file (with a valid CSV beside it).</summary>
    private static Case Config(string dir, byte[] config, string expected)
    {
        string cfg = Path.Combine(dir, "c.json");
        File.WriteAllText(Path.Combine(dir, "t.csv"), Table);
        File.WriteAllBytes(cfg, config);
        return new Case(["train", "--config", cfg, "--data", dir, "--out", Path.Combine(dir, "run")], cfg, expected);
    }

    /// <summary>A safetensors file: length prefix, the header, then <paramref name="dataBytes"/> zero bytes.</summary>
    private static byte[] SafeTensors(string header, int dataBytes)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[dataBytes]];
    }

    private static Case Checkpoint(string dir, CorruptInputFixture f, string file, byte[] content, string expected) =>
        Checkpoint(dir, f, file, _ => content, expected);

    /// <summary>A copy of the fixture's checkpoint with <paramref name="file"/> replaced by <paramref name="damage"/> of it.</summary>
    private static Case Checkpoint(string dir, CorruptInputFixture f, string file, Func<byte[], byte[]> damage, string expected)
    {
        string ckpt = Path.Combine(dir, "checkpoint");
        Directory.CreateDirectory(ckpt);
        foreach (string src in Directory.GetFiles(f.Checkpoint))
        {
            File.Copy(src, Path.Combine(ckpt, Path.GetFileName(src)));
        }

        string path = Path.Combine(ckpt, file);
        File.WriteAllBytes(path, damage(File.ReadAllBytes(path)));
        return new Case(["eval", "--checkpoint", ckpt], path, expected, Watched: ckpt);
    }
}
