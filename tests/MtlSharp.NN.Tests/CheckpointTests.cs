using System.Text.Json;
using MtlSharp.NN.Checkpoints;
using MtlSharp.NN.Layers;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.NN.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtlsharp-ckpt").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model(ulong seed, int hidden = 4) =>
        new(new Linear(3, hidden, new Rng(seed)), new Relu(), new Linear(hidden, 2, new Rng(seed + 1)));

    [Fact]
    public void ModelAndOptimizerAndMetadata_RoundTrip()
    {
        var model = Model(1);
        var opt = new Adam(model.Parameters(), 0.01f);
        Autograd.Backward(Ops.Sum(model.Forward(Tensor.Ones(2, 3))));
        opt.Step();
        using var cfg = JsonDocument.Parse("{\"arch\":\"mmoe\",\"experts\":4}");
        var meta = new CheckpointMetadata
        {
            Step = 1234,
            Epoch = 7,
            Config = cfg.RootElement.Clone(),
            Metrics = new Dictionary<string, double> { ["val/acc"] = 0.875, ["val/loss"] = double.NaN },
            Extra = new Dictionary<string, string> { ["seed"] = "1" },
        };
        Checkpoint.Save(_dir, model, [opt], meta);
        Assert.Equal(
            [Checkpoint.MetadataFile, Checkpoint.ModelFile, Checkpoint.OptimizerFile(0)],
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var model2 = Model(99);
        var opt2 = new Adam(model2.Parameters(), 0.01f);
        var loaded = Checkpoint.Load(_dir, model2, [opt2]);
        Assert.Equal(1234, loaded.Step);
        Assert.Equal(7, loaded.Epoch);
        Assert.Equal(1, loaded.OptimizerCount);
        Assert.Equal(0.875, loaded.Metrics["val/acc"]);
        Assert.True(double.IsNaN(loaded.Metrics["val/loss"]));
        Assert.Equal(4, loaded.Config!.Value.GetProperty("experts").GetInt32());
        Assert.Equal("1", loaded.Extra["seed"]);
        for (int i = 0; i < model.Parameters().Count; i++)
        {
            Assert.Equal(model.Parameters()[i].Data.ToArray(), model2.Parameters()[i].Data.ToArray());
        }

        Assert.Equal(
            opt.ExportState().Tensors.Select(t => (t.Name, t.Value.ToArray().Sum())),
            opt2.ExportState().Tensors.Select(t => (t.Name, t.Value.ToArray().Sum())));

        var file = SafeTensors.Read(Path.Combine(_dir, Checkpoint.ModelFile));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], file.Tensors.Select(t => t.Name));
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Mismatch_NamesTheTensorAndBothShapes()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        Checkpoint.SaveModel(Model(1, hidden: 4), path);
        var wrong = Model(2, hidden: 5);
        var before = wrong.Parameters()[0].Data.ToArray();
        var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.LoadModel(wrong, path));
        Assert.Contains("'0.weight'", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        Assert.Contains("[5, 3]", e.Message);
        Assert.Equal(before, wrong.Parameters()[0].Data.ToArray()); // untouched

        var missing = new Sequential(new Linear(3, 4, new Rng(1)), new Relu(), new Linear(4, 2, new Rng(1)), new Linear(2, 2, new Rng(1)));
        Assert.Contains("missing tensor '3.weight'", Assert.Throws<CheckpointMismatchException>(() => Checkpoint.LoadModel(missing, path)).Message);

        var fewer = new Sequential(new Linear(3, 4, new Rng(1)));
        var un = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.LoadModel(fewer, path));
        Assert.Contains("unexpected tensor '2.weight'", un.Message);
        Assert.Contains("[2, 4]", un.Message);
        Checkpoint.LoadModel(fewer, path, strict: false);
    }

    [Fact]
    public void AtomicWrite_FailureLeavesOldFileAndNoTempFiles()
    {
        string path = Path.Combine(_dir, "model.safetensors");
        Checkpoint.SaveModel(Model(1), path);
        byte[] old = File.ReadAllBytes(path);

        var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Contains("simulated", ex.Message);
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));

        // A successful save replaces the file and also leaves no temporary behind.
        Checkpoint.SaveModel(Model(5), path);
        Assert.NotEqual(old, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void Load_WithoutMetadata_IsNotACompleteCheckpoint()
    {
        Checkpoint.SaveModel(Model(1), Path.Combine(_dir, Checkpoint.ModelFile));
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(_dir, Model(1)));
    }

    [Theory]
    [InlineData("{\"step\": 3")]
    [InlineData("{\"step\": \"three\"}")]
    [InlineData("null")]
    [InlineData("")]
    public void DamagedMetadataIsAFormatErrorNamingTheFile(string json)
    {
        Checkpoint.Save(_dir, Model(1), null, new CheckpointMetadata { Step = 3 });
        string path = Path.Combine(_dir, Checkpoint.MetadataFile);
        File.WriteAllText(path, json);
        var e = Assert.Throws<FormatException>(() => Checkpoint.ReadMetadata(_dir));
        Assert.StartsWith(path + ":", e.Message);
    }

    [Fact]
    public void AFailedWriteNamesTheDestinationAndLeavesTheOldFile()
    {
        string path = Path.Combine(_dir, "x.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([9, 9]);
            throw new IOException("No space left on device : '/somewhere/.x.bin.1234.tmp'");
        }));
        Assert.StartsWith($"Cannot write {path}: No space left on device", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
