using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.MultiTask.Training;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>
/// The omniglot presets end to end on generated Omniglot-layout archives (a few alphabets, 12×12 images, 4 filters):
/// every method trains through the one loop, the configuration keys reach the run, and an interrupted run resumes
/// exactly.
/// </summary>
public sealed class OmniglotPresetTests
{
    private static readonly string[] Alphabets = ["Gujarati", "Sylheti", "Arcadian"];

    /// <summary>The preset's layers with <paramref name="filters"/> channels instead of 48 (its structure kept).</summary>
    private static JsonArray Narrow(string preset, int filters)
    {
        var doc = JsonNode.Parse(BuiltInConfigs.Text(preset))!;
        var layers = (JsonArray)doc["model"]!["layers"]!.DeepClone();
        foreach (var l in layers)
        {
            if (l!["filters"] is not null)
            {
                l["filters"] = filters;
            }
        }

        return layers;
    }

    private static JsonObject Small(string dir, string preset = "omniglot", int rounds = 3) => new()
    {
        ["data"] = new JsonObject { ["path"] = dir, ["size"] = 12 },
        ["useTasks"] = new JsonArray([.. Alphabets.Select(a => (JsonNode)a)]),
        ["model"] = new JsonObject { ["layers"] = Narrow(preset, 4) },
        ["schedule"] = new JsonObject { ["rounds"] = rounds, ["evaluations"] = 1, ["evaluationBatchSize"] = 7 },
    };

    private static TempFolder Archives()
    {
        var dir = new TempFolder();
        OmniglotFixture.Write(dir.Path, [("Gujarati", 3), ("Arcadian", 2)], [("Sylheti", 2)]);
        return dir;
    }

    [Theory]
    [InlineData("omniglot", "gumbel")]
    [InlineData("omniglot", "shared-bottom")]
    [InlineData("omniglot", "single-task")]
    [InlineData("omniglot", "moe")]
    [InlineData("omniglot-cpu", "moe-no-noise")]
    [InlineData("omniglot-cpu", "gumbel")]
    public void EveryMethodTrainsThroughTheLoopOnATinyOmniglot(string preset, string method)
    {
        using var dir = Archives();
        var config = BuiltInConfigs.Load(preset).Resolve(method, Small(dir.Path, preset), dir.Path);
        var plan = ConfigRunBuilder.Build(config, seed: 0);
        Assert.Equal([3, 2, 2], plan.Data.Tasks.Select(t => t.Outputs));
        Assert.Equal(3 * 3, plan.Options.TotalSteps);                  // rounds × tasks, one task per update
        Assert.Equal("rounds", plan.Configuration["sampler"]);
        Assert.True(plan.Evaluator.HasValidation);
        var network = (RoutedNetwork)plan.Model.Module;
        bool moe = method.StartsWith("moe", StringComparison.Ordinal);
        Assert.Equal(moe ? 0 : 8, network.RoutedLayers.Count(l => l.Count == 7 || l.Count == 7 * 3));
        Assert.Equal(moe ? 8 : 0, network.PerExampleLayers.Count);
        Assert.All(network.PerExampleLayers, l => Assert.Equal(method == "moe", l.Gate.Noisy));
        var names = plan.Model.Regularizers.Select(r => r.Name).ToArray();
        Assert.Contains("l2", names);
        Assert.Equal(moe, names.Contains("expert-balance"));

        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.Equal(9, report.Updates);
        Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
        Assert.All(report.Tasks, t => Assert.True(t.Valid is >= 0 and <= 1));
        // Per-example routing has no task allocation, so no active fraction (not 0 %): the table says "–".
        Assert.Equal(moe, report.ActiveFraction is null);
        string table = ReproductionTable.ToMarkdown(preset, ReproductionTable.Aggregate([("", report)], []));
        Assert.Contains(moe ? "| – |" : "% |", table);
    }

    [Fact]
    public void ThePresetsAreTheSpecsConfiguration()
    {
        var full = BuiltInConfigs.Load("omniglot").ResolveWithoutFiles("gumbel", null);
        Assert.Equal(20, full.Tasks.Count);
        Assert.Equal(MtlSharp.Data.Images.Omniglot.AlphabetOrder.Take(20), full.Tasks.Select(t => t.Name));
        var model = (RoutedModelSpec)full.Model;
        Assert.Equal(0.97f, model.PInit);
        Assert.Equal(0.0003f, model.L2);
        Assert.Equal(0.5f, model.Dropout);
        Assert.Equal(TemperatureSchedule.Annealed, model.Temperature);
        var modules = model.Layers.OfType<ModulesLayerSpec>().ToArray();
        Assert.Equal(8, modules.Length);
        Assert.Equal([2, 2, 1, 2, 2, 1, 2, 1], modules.Select(l => l.Stride));
        Assert.All(modules, l => Assert.Equal((48, 4, 7), (l.Filters, l.GroupNorm, l.Components.Count)));
        Assert.Equal(8, model.Layers.OfType<NormLayerSpec>().Count());
        Assert.Equal(0.0001f, full.Optimizer.LearningRate);
        Assert.Equal(0.002f, full.Optimizer.RouterLearningRate);
        Assert.Equal((16, 8000L, 32), (full.Schedule.BatchSize, full.Schedule.Rounds, full.Schedule.Evaluations));
        Assert.Equal(RouterKind.Moe, ((RoutedModelSpec)BuiltInConfigs.Load("omniglot").ResolveWithoutFiles("moe", null).Model).Router);
        Assert.Equal(RouterKind.SingleTask, ((RoutedModelSpec)BuiltInConfigs.Load("omniglot").ResolveWithoutFiles("single-task", null).Model).Router);

        // The CPU protocol keeps the 8 layers, the 7 kinds, the strides, GroupNorm, p_init and the tasks.
        var cpu = BuiltInConfigs.Load("omniglot-cpu").ResolveWithoutFiles("gumbel", null);
        var cm = (RoutedModelSpec)cpu.Model;
        Assert.Equal(full.Tasks.Select(t => t.Name), cpu.Tasks.Select(t => t.Name));
        Assert.Equal(0.97f, cm.PInit);
        var cpuModules = cm.Layers.OfType<ModulesLayerSpec>().ToArray();
        Assert.Equal(modules.Select(l => (l.Stride, l.GroupNorm, l.Components.Count)), cpuModules.Select(l => (l.Stride, l.GroupNorm, l.Components.Count)));
        Assert.Equal(modules.SelectMany(l => l.Components.Select(c => (c.Kind, string.Join(",", c.Kernels), c.Kernel))),
            cpuModules.SelectMany(l => l.Components.Select(c => (c.Kind, string.Join(",", c.Kernels), c.Kernel))));

        // Its reduction: 10x the paper's learning rates (chosen on validation), the router's still 20x the weights'.
        Assert.Equal(0.001f, cpu.Optimizer.LearningRate);
        Assert.Equal(0.02f, cpu.Optimizer.RouterLearningRate);
        Assert.Equal((16, 500L, 20), (cpu.Schedule.BatchSize, cpu.Schedule.Rounds, cpu.Schedule.Evaluations));
        Assert.Equal(0.001f, BuiltInConfigs.Load("omniglot-cpu").ResolveWithoutFiles("moe", null).Optimizer.RouterLearningRate);
    }

    [Fact]
    public void GateNoiseIsAMoeSwitchAndDefaultsToOn()
    {
        var doc = BuiltInConfigs.Load("omniglot-cpu");
        Assert.True(((RoutedModelSpec)doc.ResolveWithoutFiles("moe", null).Model).GateNoise);
        var off = new JsonObject { ["model"] = new JsonObject { ["gateNoise"] = false } };
        Assert.False(((RoutedModelSpec)doc.ResolveWithoutFiles("moe", off).Model).GateNoise);
        foreach (string preset in new[] { "omniglot", "omniglot-cpu" })
        {
            // The ablation method: the same gates and learning rates as moe, without the training noise.
            var p = BuiltInConfigs.Load(preset);
            var quiet = p.ResolveWithoutFiles("moe-no-noise", null);
            Assert.False(((RoutedModelSpec)quiet.Model).GateNoise);
            Assert.Equal(RouterKind.Moe, ((RoutedModelSpec)quiet.Model).Router);
            Assert.Equal(p.ResolveWithoutFiles("moe", null).Optimizer.RouterLearningRate, quiet.Optimizer.RouterLearningRate);
        }

        var e = Assert.Throws<InvalidDataException>(() => doc.ResolveWithoutFiles("gumbel", new JsonObject { ["model"] = new JsonObject { ["gateNoise"] = false } }));
        Assert.Contains("model.gateNoise", e.Message);
        Assert.Contains("router \"moe\"", e.Message);
    }

    [Fact]
    public void ABadAlphabetNameIsReportedWithItsPath()
    {
        var patch = new JsonObject { ["tasks"] = new JsonArray(new JsonObject { ["name"] = "Klingon", ["kind"] = "classification" }) };
        var e = Assert.Throws<InvalidDataException>(() => BuiltInConfigs.Load("omniglot").ResolveWithoutFiles("gumbel", patch));
        Assert.Contains("tasks[0].name", e.Message);
        Assert.Contains("no alphabet 'Klingon'", e.Message);
    }

    [Theory]
    [InlineData("moe")]
    [InlineData("gumbel")]
    public void ACancelledAndResumedRunEndsExactlyLikeTheUninterruptedOne(string method)
    {
        using var data = Archives();
        using var a = new TempFolder();
        using var b = new TempFolder();
        RunPlan Plan() => ConfigRunBuilder.Build(BuiltInConfigs.Load("omniglot").Resolve(method, Small(data.Path, rounds: 6), data.Path), seed: 1);
        var whole = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = a.Path, CheckpointEverySteps = 6, TensorBoard = false });
        using (var cts = new CancellationTokenSource())
        {
            var cut = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 6, TensorBoard = false, ProgressEvery = 1, Progress = new CancelAfter(cts, 10) }, cts.Token);
            Assert.True(cut.Updates < 18);
        }

        var resumed = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 6, TensorBoard = false, Resume = true });
        Assert.Equal(whole.Updates, resumed.Updates);
        Assert.Equal(whole.Tasks.Select(t => t.Test), resumed.Tasks.Select(t => t.Test));
        Assert.Equal(whole.LossCurves.Select(c => c.Y), resumed.LossCurves.Select(c => c.Y));
    }

    private sealed class CancelAfter(CancellationTokenSource cts, long updates) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Update >= updates)
            {
                cts.Cancel();
            }
        }
    }
}
