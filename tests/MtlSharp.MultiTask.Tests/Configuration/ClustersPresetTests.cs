using System.Text.Json.Nodes;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>
/// The task-clusters preset (spec A10(f), <c>clusters</c>) and its image-tasks data source: the configuration is the
/// spec's, leave-one-out tasks are relabelled and never see their class, the tasks of a dataset share its arrays,
/// training batches (only) are augmented, configuration errors name file, line and key, and the preset runs end to end
/// on the real data.
/// </summary>
public sealed class ClustersPresetTests
{
    /// <summary>
    /// An IDX folder with 40 training and 15 test images of 5 classes (label i % 5); every image is constant, its grey
    /// level the image's number (training: i; test: 1000 + i, modulo 256), so a resized example still tells its row.
    /// </summary>
    private static void Digits(string dir) =>
        IdxFixture.Write(dir, [.. Enumerable.Range(0, 40).Select(i => (byte)(i % 5))], [.. Enumerable.Range(0, 15).Select(i => (byte)(i % 5))], (_, i, _, _) => (byte)(i % 256));

    private static string Config(string tasks, string extra = "", string datasets = """
        "digits": { "type": "idx-images", "path": "digits", "valid": 10 },
            "omniglot": { "type": "omniglot", "path": "omniglot" }
        """) => $$"""
        {
          "name": "tiny-clusters",
          "data": {
            "type": "image-tasks",
            "size": 32,
            "datasets": {
              {{datasets}}
            }{{extra}}
          },
          "tasks": [
            {{tasks}}
          ],
          "model": {
            "type": "routed", "router": "gumbel", "budget": 0.5,
            "layers": [
              { "type": "sharedconv", "filters": 4, "kernel": 1, "groupNorm": 2 },
              { "type": "modules", "filters": 4, "stride": 2, "groupNorm": 2, "components": [{ "type": "conv", "ops": ["3x3"], "count": 2 }, { "type": "conv", "ops": ["5x5"], "count": 2 }] }
            ]
          },
          "methods": { "gumbel": {}, "shared-bottom": { "model": { "router": "shared-bottom" } } },
          "optimizer": { "type": "adam", "learningRate": 0.001 },
          "schedule": { "batchSize": 8, "rounds": 2, "evaluations": 1 }
        }
        """;

    private const string ThreeTasks = """
        { "name": "no-2", "kind": "classification", "dataset": "digits", "leaveOut": 2 },
            { "name": "all", "kind": "classification", "dataset": "digits" },
            { "name": "Gujarati", "kind": "classification", "dataset": "omniglot" }
        """;

    private const string Augment = """, "augment": { "pad": 40, "crop": 32 }""";

    /// <summary>A data folder with digits/ and omniglot/ (one alphabet of 3 characters).</summary>
    private static TempFolder Data()
    {
        var dir = new TempFolder();
        Digits(Path.Combine(dir.Path, "digits"));
        Directory.CreateDirectory(Path.Combine(dir.Path, "omniglot"));
        OmniglotFixture.Write(Path.Combine(dir.Path, "omniglot"), [("Gujarati", 3)], [("Sylheti", 2)]);
        return dir;
    }

    private static RunConfig Resolve(string dir, string text, string method = "gumbel", JsonObject? patch = null) =>
        ConfigDocument.Parse(text, "tiny.json").Resolve(method, patch, dir);

    /// <summary>Each example's source row: the (constant) grey level of its 32×32 image × 255, checked constant.</summary>
    private static int[] SourceRows(TaskSplit split)
    {
        float[] x = split.InputsRange(0, split.Count).ToArray();
        var rows = new int[split.Count];
        for (int i = 0; i < split.Count; i++)
        {
            float[] image = x.AsSpan(i * 1024, 1024).ToArray();
            Assert.All(image, v => Assert.Equal(image[0], v, 1e-5f));
            rows[i] = (int)MathF.Round(image[0] * 255f);
        }

        return rows;
    }

    [Fact]
    public void ALeaveOneOutTaskNeverSeesItsClassAndMovesTheClassesAboveItDown()
    {
        using var dir = Data();
        var (tasks, shape) = ImageTaskSet.Load((ImageTasksSource)Resolve(dir.Path, Config(ThreeTasks)).Data, Resolve(dir.Path, Config(ThreeTasks)).Tasks);
        Assert.Equal([1, 32, 32], shape);
        Assert.Equal([4, 5, 3], tasks.Select(t => t.Outputs));
        var no2 = tasks[0];

        // Training: the first 30 images (the last 10 are validation) without the 6 of class 2.
        int[] trainRows = SourceRows(no2.Train);
        Assert.Equal([.. Enumerable.Range(0, 30).Where(r => r % 5 != 2)], trainRows);
        Assert.Equal(trainRows.Select(r => r % 5 < 2 ? r % 5 : (r % 5) - 1), no2.Train.Labels!);
        Assert.Equal([.. Enumerable.Range(30, 10).Where(r => r % 5 != 2)], SourceRows(no2.Valid!));
        Assert.Equal([.. Enumerable.Range(0, 15).Where(i => i % 5 != 2).Select(i => (1000 + i) % 256)], SourceRows(no2.Test));
        foreach (var split in new[] { no2.Train, no2.Valid!, no2.Test })
        {
            Assert.Equal([0, 1, 2, 3], split.Labels!.Distinct().Order());   // four classes, the old 3 and 4 now 2 and 3
        }

        // The task of every class keeps the labels and rows, and shares the dataset's arrays with the leave-one-out task.
        var all = tasks[1];
        Assert.Equal([.. Enumerable.Range(0, 30)], SourceRows(all.Train));
        Assert.Equal(Enumerable.Range(0, 30).Select(r => r % 5), all.Train.Labels!);
        Assert.Same(no2.Train.Inputs, all.Train.Inputs);
        Assert.Same(no2.Train.Inputs, no2.Valid!.Inputs);   // validation rows are the end of the one training array
        Assert.Same(no2.Test.Inputs, all.Test.Inputs);
        Assert.Equal(40 * 32 * 32, no2.Train.Inputs.Length);

        // The Omniglot task is split per character as the omniglot source splits it: 10/4/6 drawings of 3 characters.
        Assert.Equal((30, 12, 18), (tasks[2].Train.Count, tasks[2].Valid!.Count, tasks[2].Test.Count));
        Assert.Equal([1, 32, 32], tasks[2].Train.SampleShape);
    }

    [Fact]
    public void TheLimitKeepsTheFirstExamplesOfEachTaskAndTheSharedArrays()
    {
        using var dir = Data();
        var config = Resolve(dir.Path, Config(ThreeTasks, """, "limit": { "train": 5, "evaluation": 3 }"""));
        var (tasks, _) = ImageTaskSet.Load((ImageTasksSource)config.Data, config.Tasks);
        Assert.Equal([0, 1, 3, 4, 5], SourceRows(tasks[0].Train));
        Assert.Equal([(5, 3, 3), (5, 3, 3), (5, 3, 3)], tasks.Select(t => (t.Train.Count, t.Valid!.Count, t.Test.Count)));
        Assert.Same(tasks[0].Train.Inputs, tasks[1].Train.Inputs);
    }

    [Fact]
    public void OnlyTrainingBatchesAreAugmentedAndASeedRepeatsTheRun()
    {
        using var dir = Data();
        var withAugment = Resolve(dir.Path, Config(ThreeTasks, Augment));
        var without = Resolve(dir.Path, Config(ThreeTasks));
        Assert.Equal(new PadCropSpec(40, 32), ((ImageTasksSource)withAugment.Data).Augment);
        var a = ConfigRunBuilder.Build(withAugment, seed: 3);
        var b = ConfigRunBuilder.Build(without, seed: 3);
        Assert.Contains("random 32x32 crop", a.Configuration["augment"], StringComparison.Ordinal);
        Assert.False(b.Configuration.ContainsKey("augment"));

        // The same initial network evaluates the same with and without augmentation: evaluation reads the images as stored.
        foreach (var split in new[] { EvaluationSplit.Test, EvaluationSplit.Validation })
        {
            Assert.Equal(b.Evaluator.Evaluate(b.Model, split), a.Evaluator.Evaluate(a.Model, split));
        }

        // Training batches hold the same rows, but augmented.
        var ba = a.Data.Next([0]).Parts[0];
        var bb = b.Data.Next([0]).Parts[0];
        Assert.Equal(bb.Targets.Labels, ba.Targets.Labels);
        Assert.NotEqual(((TensorInput)bb.Input).Value.ToArray(), ((TensorInput)ba.Input).Value.ToArray());

        var first = ExperimentRunner.Run(ConfigRunBuilder.Build(withAugment, seed: 3), new RunOptions { TensorBoard = false });
        var again = ExperimentRunner.Run(ConfigRunBuilder.Build(withAugment, seed: 3), new RunOptions { TensorBoard = false });
        var plain = ExperimentRunner.Run(ConfigRunBuilder.Build(without, seed: 3), new RunOptions { TensorBoard = false });
        Assert.Equal(first.LossCurves.Select(c => c.Y), again.LossCurves.Select(c => c.Y));
        Assert.Equal(first.Tasks.Select(t => t.Test), again.Tasks.Select(t => t.Test));
        Assert.NotEqual(first.LossCurves.Select(c => c.Y), plain.LossCurves.Select(c => c.Y));
    }

    [Theory]
    [InlineData("\"dataset\": \"digits\", \"leaveOut\": 2 }", "\"leaveOut\": 2 }", "tasks[0]: a task of image-tasks data names the dataset its images come from in \"dataset\"; the datasets are: digits, omniglot")]
    [InlineData("\"dataset\": \"digits\", \"leaveOut\": 2 }", "\"dataset\": \"mnist\" }", "tasks[0].dataset: no dataset 'mnist' in data.datasets; the datasets are: digits, omniglot")]
    [InlineData("\"dataset\": \"omniglot\" }", "\"dataset\": \"omniglot\", \"leaveOut\": 1 }", "tasks[2].leaveOut: leaveOut leaves one class of an idx-images dataset out; 'omniglot' is Omniglot")]
    [InlineData("\"name\": \"Gujarati\"", "\"name\": \"Klingon\"", "tasks[2].name: Omniglot has no alphabet 'Klingon'")]
    [InlineData("\"dataset\": \"digits\" }", "\"dataset\": \"digits\", \"column\": \"y\" }", "tasks[1].column: the task takes its labels from dataset 'digits'")]
    [InlineData("\"kind\": \"classification\", \"dataset\": \"digits\" }", "\"kind\": \"regression\", \"dataset\": \"digits\" }", "tasks[1].kind: image-tasks data has classification tasks")]
    [InlineData("\"size\": 32", "\"size\": 128", "data.size: Omniglot drawings (data.datasets.omniglot) are 105×105 and are only shrunk")]
    [InlineData("\"crop\": 32", "\"crop\": 28", "data.augment.crop: the window cut out is the image side, so training and evaluation images have one shape; expected 32 (data.size), got 28")]
    [InlineData("\"pad\": 40", "\"pad\": 30", "data.augment.pad: the zero-padded side must be at least the crop side 32, got 30")]
    [InlineData("\"path\": \"omniglot\" }", "\"path\": \"omniglot\", \"train\": 12, \"valid\": 8 }", "data.datasets.omniglot.train: 12 training and 8 validation drawings leave none")]
    [InlineData("\"valid\": 10 }", "\"valid\": 10, \"rotate\": {} }", "data.datasets.digits.rotate: unknown key \"rotate\"")]
    [InlineData("\"pad\": 40, ", "", "data.augment: missing required key \"pad\"")]
    public void ConfigurationErrorsNameTheFileLineAndKey(string from, string to, string expected)
    {
        string text = Config(ThreeTasks, Augment);
        Assert.Contains(from, text, StringComparison.Ordinal);
        string bad = text.Replace(from, to, StringComparison.Ordinal);
        var e = Assert.Throws<InvalidDataException>(() => ConfigDocument.Parse(bad, "tiny.json"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        var where = System.Text.RegularExpressions.Regex.Match(e.Message, @"^tiny\.json( \(method 'gumbel'\))?:(\d+): ");
        Assert.True(where.Success, e.Message);
        int line = int.Parse(where.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (to.Length > 0)
        {
            Assert.Contains(to.Split(':')[0], bad.Split('\n')[line - 1], StringComparison.Ordinal);   // the line of the changed key
        }
    }

    [Fact]
    public void TaskKeysOfImageTasksAreRefusedElsewhere()
    {
        var preset = JsonNode.Parse(BuiltInConfigs.Text("mnist4"))!;
        preset["tasks"]![0]!["leaveOut"] = 3;
        var e = Assert.Throws<InvalidDataException>(() => ConfigDocument.Parse(preset.ToJsonString(), "m.json"));
        Assert.Contains("tasks[0].leaveOut: \"dataset\" and \"leaveOut\" describe the tasks of image-tasks data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsThatNeedTheDataNameTheTaskOrKey()
    {
        using var dir = Data();
        var leave = Resolve(dir.Path, Config(ThreeTasks.Replace("\"leaveOut\": 2", "\"leaveOut\": 5", StringComparison.Ordinal)));
        var e = Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Build(leave, seed: 0));
        Assert.Contains("Task 'no-2' leaves out class 5, but dataset 'digits' has classes 0…4", e.Message, StringComparison.Ordinal);
        var valid = Resolve(dir.Path, Config(ThreeTasks).Replace("\"valid\": 10", "\"valid\": 40", StringComparison.Ordinal));
        e = Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Build(valid, seed: 0));
        Assert.Contains("data.datasets.digits.valid: holding out 40 of the 40 training images", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePresetIsTheSpecsConfigurationWithOmniglotAsTheThirdCluster()
    {
        var c = BuiltInConfigs.Load("clusters").ResolveWithoutFiles("gumbel", null);
        Assert.Equal(30, c.Tasks.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(k => ("mnist", (int?)k)), c.Tasks.Take(10).Select(t => (t.Dataset!, t.LeaveOut)));
        Assert.Equal(Enumerable.Range(0, 10).Select(k => ("fashion-mnist", (int?)k)), c.Tasks.Skip(10).Take(10).Select(t => (t.Dataset!, t.LeaveOut)));
        Assert.Equal(MtlSharp.Data.Images.Omniglot.AlphabetOrder.Take(10), c.Tasks.Skip(20).Select(t => t.Name));
        Assert.All(c.Tasks.Skip(20), t => Assert.Equal(("omniglot", (int?)null), (t.Dataset!, t.LeaveOut)));
        var data = (ImageTasksSource)c.Data;
        Assert.Equal(32, data.Size);
        Assert.Equal(new PadCropSpec(40, 32), data.Augment);
        Assert.Equal([ImageDatasetKind.Idx, ImageDatasetKind.Idx, ImageDatasetKind.Omniglot], data.Datasets.Select(d => d.Value.Kind));

        var m = (RoutedModelSpec)c.Model;
        Assert.Equal((RouterKind.Gumbel, 0.5f, 0.5f, 1f), (m.Router, m.PInit, m.Budget!.Value, m.BudgetLambda));
        var stem = Assert.IsType<SharedConvLayerSpec>(m.Layers[0]);
        Assert.Equal((8, 1, 1, 4), (stem.Filters, stem.KernelH, stem.KernelW, stem.GroupNorm));
        var modules = m.Layers.OfType<ModulesLayerSpec>().ToArray();
        Assert.Equal(3, modules.Length);
        foreach (var l in modules)
        {
            Assert.Equal((8, 2, 4), (l.Filters, l.Stride, l.GroupNorm));
            Assert.Equal([("3", 8), ("5", 8)], l.Components.Select(k => (string.Join(",", k.Kernels.Select(o => o.H == o.W ? o.H.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")), k.Count)));
        }

        Assert.Equal(3, m.Layers.OfType<NormLayerSpec>().Count());
        Assert.Equal((0.0003f, 0.006f), (c.Optimizer.LearningRate!.Value, c.Optimizer.RouterLearningRate!.Value));
        Assert.Equal(32, c.Schedule.BatchSize);
        Assert.Equal(MtlSharp.MultiTask.Strategies.Sampling.SamplerKind.Rounds, c.Strategy.Sampler);

        var shared = BuiltInConfigs.Load("clusters").ResolveWithoutFiles("shared-bottom", null);
        Assert.Equal(RouterKind.SharedBottom, ((RoutedModelSpec)shared.Model).Router);

        // 32 → 16 → 8 → 4 at 8 channels: 128 features per head; 48 routed components in all.
        var network = ConfigRunBuilder.Network(m, [.. c.Tasks.Select(t => t.Name)], [.. Enumerable.Repeat(9, 20), .. Enumerable.Repeat(30, 10)], [1, 32, 32], null, new Tensors.Rng(0));
        Assert.Equal(48, network.RoutedLayers.Sum(l => l.Count));
        Assert.Equal(30, network.RoutedLayers[0].Router.MaximumLikelihood().Length);
    }

    [DatasetFact("omniglot")]
    public void ThePresetRunsEndToEndOnTheRealDataWithThirtyTasks()
    {
        var patch = new JsonObject
        {
            ["data"] = new JsonObject { ["limit"] = new JsonObject { ["train"] = 64, ["evaluation"] = 32 } },
            ["schedule"] = new JsonObject { ["evaluations"] = 1 },
        };
        var config = BuiltInConfigs.Load("clusters").Resolve("gumbel", patch, Fixtures.DatasetsDir);
        var plan = ConfigRunBuilder.Build(config, seed: 0, scale: 1.0 / 700);   // one round: one update per task
        Assert.Equal(30, plan.Options.TotalSteps);
        Assert.Equal([.. Enumerable.Repeat(9, 20)], plan.Data.Tasks.Take(20).Select(t => t.Outputs));
        Assert.True(plan.Evaluator.HasValidation);
        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.Equal(30, report.Tasks.Count);
        Assert.Equal(30, report.Updates);
        Assert.Equal(3, report.Allocation!.Count);
        Assert.All(report.Allocation, layer => Assert.Equal(30, layer.Length));
        Assert.All(report.Allocation, layer => Assert.All(layer, row => Assert.Equal(16, row.Length)));
        Assert.Equal(30, report.TaskSimilarity!.Length);
        Assert.Equal(30, report.Clusters!.Sum(g => g.Count));
        Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
    }
}
