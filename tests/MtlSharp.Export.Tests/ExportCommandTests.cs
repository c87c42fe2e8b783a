using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Testing;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// A tiny synthetic-gumbel run (the preset with 500 training rows) trained once by the real <c>mtl train</c>, shared
/// by the CLI tests.
/// </summary>
public sealed class TrainedRun : IDisposable
{
    public TrainedRun()
    {
        Folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mtl-onnx-cli-" + Guid.NewGuid().ToString("N"))).FullName;
        var config = (JsonObject)JsonNode.Parse(BuiltInConfigs.Text("synthetic-gumbel"))!;
        config.Remove("$schema");
        config["name"] = "tiny-gumbel";
        config["data"]!["train"] = 500;
        config["data"]!["test"] = 100;
        ConfigText = config.ToJsonString();
        string path = Path.Combine(Folder, "tiny.json");
        File.WriteAllText(path, ConfigText);
        var (code, output) = Mtl.Run("train", "--config", path, "--scale", "0.01", "--no-tensorboard", "--threads", "1", "--out", Path.Combine(Folder, "run"));
        Assert.True(code == 0, output);
    }

    public string Folder { get; }

    public string ConfigText { get; }

    public string Checkpoint => Path.Combine(Folder, "run", "checkpoints", "last");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary><c>mtl export</c>: a trained checkpoint becomes an ONNX file that ONNX Runtime runs to MtlSharp's outputs; clear errors otherwise.</summary>
public sealed class ExportCommandTests(TrainedRun run, ITestOutputHelper log) : IClassFixture<TrainedRun>
{
    [Fact]
    public void ExportedCheckpointRunsInOnnxRuntimeWithTheTrainedOutputs()
    {
        string file = Path.Combine(run.Folder, "all.onnx");
        var (code, output) = Mtl.Run("export", "--checkpoint", run.Checkpoint, "--onnx", file);
        Assert.True(code == 0, output);
        Assert.Contains("ONNX opset 17, input 'input' float [N, 128]", output, StringComparison.Ordinal);
        Assert.Contains("outputs: cluster0-task0, cluster0-task1, cluster1-task2, cluster1-task3", output, StringComparison.Ordinal);

        // The same run rebuilt in-process with the checkpoint's weights is the reference.
        var plan = ConfigRunBuilder.Build(ConfigDocument.Parse(run.ConfigText, "tiny.json").Resolve("gumbel", null, null), 0, 0.01);
        Checkpoint.LoadModel(plan.Model.Module, Path.Combine(run.Checkpoint, Checkpoint.ModelFile));
        var network = Network(plan);
        var x = ((SplitEvaluator)plan.Evaluator).Splits[1].Test.InputsRange(0, 50);
        byte[] bytes = File.ReadAllBytes(file);
        var outputs = Run(bytes, "input", x.ToArray(), [50, 128]);
        Assert.Equal(4, outputs.Count);
        double max = 0;
        for (int t = 0; t < 4; t++)
        {
            max = Math.Max(max, AssertClose(Reference(network, x, t), outputs[plan.Data.Tasks[t].Name].Data, plan.Data.Tasks[t].Name));
        }

        log.WriteLine($"mtl export of a trained synthetic-gumbel run: max |ONNX - MtlSharp| = {max:G3}");

        // One task only, written over an existing file.
        (code, output) = Mtl.Run("export", "--checkpoint", run.Checkpoint, "--onnx", file, "--task", "cluster1-task2");
        Assert.True(code == 0, output);
        var one = Run(File.ReadAllBytes(file), "input", x.ToArray(), [50, 128]);
        Assert.Equal(["cluster1-task2"], one.Keys);
        AssertClose(Reference(network, x, 2), one["cluster1-task2"].Data, "cluster1-task2");
        Assert.Equal(["all.onnx", "tiny.json"], Directory.GetFiles(run.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void UnknownTaskIsAUsageErrorAndLeavesTheFileAlone()
    {
        string file = Path.Combine(run.Folder, "kept.onnx");
        File.WriteAllText(file, "previous");
        var (code, output) = Mtl.Run("export", "--checkpoint", run.Checkpoint, "--onnx", file, "--task", "cluster0-task0", "--task", "nope");
        Assert.Equal(2, code);
        Assert.Contains("--task nope: no such task; the tasks are: cluster0-task0, cluster0-task1, cluster1-task2, cluster1-task3", output, StringComparison.Ordinal);
        Assert.Equal("previous", File.ReadAllText(file));
        File.Delete(file);
    }

    [Fact]
    public void UnwritableOutputsFailWithoutPartialFiles()
    {
        string folder = Directory.CreateDirectory(Path.Combine(run.Folder, "unwritable")).FullName;
        var (code, output) = Mtl.Run("export", "--checkpoint", run.Checkpoint, "--onnx", folder);
        Assert.Equal(1, code);
        Assert.Contains("it is a folder", output, StringComparison.Ordinal);

        string blocker = Path.Combine(folder, "plain-file");
        File.WriteAllText(blocker, "x");
        (code, output) = Mtl.Run("export", "--checkpoint", run.Checkpoint, "--onnx", Path.Combine(blocker, "m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("Cannot write the ONNX model to", output, StringComparison.Ordinal);
        Assert.Equal([blocker], Directory.GetFileSystemEntries(folder));   // no temporary file left
    }

    [DatasetFact("income")]
    public void AnExpertCheckpointExportsAndMatchesInOnnxRuntime()
    {
        // A PLE checkpoint of the income preset, moved off its initial weights, as 'mtl train' stores it.
        string[] args = ["--preset", "income", "--method", "ple", "--seed", "0", "--data", Fixtures.DatasetsDir];
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("income").Resolve("ple", null, Fixtures.DatasetsDir), 0, 1.0);
        Perturb(plan.Model.Module, 62);
        string ck = Directory.CreateDirectory(Path.Combine(run.Folder, "ple", "checkpoints", "last")).FullName;
        Checkpoint.SaveModel(plan.Model.Module, Path.Combine(ck, Checkpoint.ModelFile));
        string json = string.Join(", ", args.Select(a => System.Text.Json.JsonSerializer.Serialize(a)));
        File.WriteAllText(Path.Combine(ck, Checkpoint.MetadataFile), $$"""{ "step": 1, "epoch": 0, "config": { "args": [{{json}}] }, "metrics": {}, "extra": {}, "optimizerCount": 1 }""");

        string file = Path.Combine(run.Folder, "ple", "ple.onnx");   // beside the checkpoint: the folder's top level belongs to the first test
        var (code, output) = Mtl.Run("export", "--checkpoint", ck, "--onnx", file);
        Assert.True(code == 0, output);
        Assert.Contains("outputs: income, married", output, StringComparison.Ordinal);
        var x = ((SplitEvaluator)plan.Evaluator).Splits[0].Test.InputsRange(0, 40);
        var outputs = Run(File.ReadAllBytes(file), "input", x.ToArray(), x.Shape.ToArray());
        double max = 0;
        for (int t = 0; t < 2; t++)
        {
            max = Math.Max(max, AssertClose(Reference(plan, x, t), outputs[plan.Data.Tasks[t].Name].Data, plan.Data.Tasks[t].Name));
        }

        log.WriteLine($"mtl export of an income PLE checkpoint: max |ONNX - MtlSharp| = {max:G3}");
    }

    [DatasetFact("ud-english-ewt")]
    public void ATaggerCheckpointExportsWithItsVocabulariesAndMatchesInOnnxRuntime()
    {
        // A sluice checkpoint of the preset (full size; freshly initialised, then moved off its initial weights so
        // that only loading the checkpoint reproduces them), as 'mtl train' stores it.
        string[] args = ["--preset", "ewt-domains", "--method", "sluice", "--seed", "0", "--data", Fixtures.DatasetsDir];
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("ewt-domains").Resolve("sluice", null, Fixtures.DatasetsDir), 0, 1.0);
        Perturb(plan.Model.Module, 61);
        string ck = Directory.CreateDirectory(Path.Combine(run.Folder, "tagger", "checkpoints", "last")).FullName;
        Checkpoint.SaveModel(plan.Model.Module, Path.Combine(ck, Checkpoint.ModelFile));
        string json = string.Join(", ", args.Select(a => System.Text.Json.JsonSerializer.Serialize(a)));
        File.WriteAllText(Path.Combine(ck, Checkpoint.MetadataFile), $$"""{ "step": 1, "epoch": 0, "config": { "args": [{{json}}] }, "metrics": {}, "extra": {}, "optimizerCount": 1 }""");

        string file = Path.Combine(run.Folder, "tagger", "tagger.onnx");
        var (code, output) = Mtl.Run("export", "--checkpoint", ck, "--onnx", file);
        Assert.True(code == 0, output);
        Assert.Contains("inputs 'words', 'lengths', 'chars', 'char_lengths' (int64)", output, StringComparison.Ordinal);
        Assert.Contains("outputs: DEPREL, UPOS (logits [N, T, tags] per token)", output, StringComparison.Ordinal);

        var proto = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(file));
        var meta = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        var batcher = ((TaggingEvaluator)plan.Evaluator).Batcher;
        Assert.Equal(batcher.Words.Tokens, meta["mtl.vocab.words"].Split('\n'));
        Assert.Equal(batcher.Chars!.Tokens, meta["mtl.vocab.chars"].Split('\n'));
        Assert.Equal(batcher.Tasks[1].Tags.Tokens, meta["mtl.task.UPOS.labels"].Split('\n'));
        Assert.Equal("1", meta["mtl.vocab.unknown_word_id"]);
        Assert.Equal("30", meta["mtl.max_word_chars"]);

        var sentences = MtlSharp.MultiTask.Tasks.EwtCorpus.Load(Path.Combine(Fixtures.DatasetsDir, "ud-english-ewt")).Of("test", "email").Take(6).ToArray();
        var batch = batcher.Create(sentences);
        var tagger = ((MtlSharp.MultiTask.Models.Tagging.TaggerModel)plan.Model).Tagger;
        tagger.Eval();
        MtlSharp.Tensors.Tensor[] expected;
        using (MtlSharp.Tensors.Autodiff.Autograd.NoGrad())
        {
            expected = tagger.Forward(batch, batch.WordIds);
        }

        var outputs = TaggerExportTests.RunTagger(File.ReadAllBytes(file), batch);
        double max = 0;
        for (int t = 0; t < 2; t++)
        {
            var e = expected[t].ToArray();
            var a = outputs[plan.Data.Tasks[t].Name].Data;
            int c = plan.Data.Tasks[t].Outputs;
            for (int p = 0; p < batch.Mask.Length; p++)
            {
                if (batch.Mask[p] != 0f)
                {
                    max = Math.Max(max, AssertClose(e.AsSpan(p * c, c).ToArray(), a.AsSpan(p * c, c).ToArray(), $"{plan.Data.Tasks[t].Name} at {p}"));
                }
            }
        }

        log.WriteLine($"mtl export of an ewt-domains sluice checkpoint (full size): max |ONNX - MtlSharp| = {max:G3}");
    }
}
