using System.Text.Json.Nodes;
using MtlSharp.Data.Images;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>
/// The MultiMNIST presets (multimnist, multifashion, multifashion-mnist): the multi-mnist data source, the LeNet
/// trunk with max pooling and MLP heads, both methods training on a small subset, and the new configuration keys.
/// </summary>
public sealed class MultiMnistPresetTests
{
    public static TheoryData<string, string> PresetsAndMethods() => new()
    {
        { "multimnist", "single-task" },
        { "multimnist", "hard-sharing" },
        { "multifashion", "single-task" },
        { "multifashion", "hard-sharing" },
        { "multifashion-mnist", "single-task" },
        { "multifashion-mnist", "hard-sharing" },
    };

    private static JsonObject Small(int train = 96, int test = 40, double valid = 0) => new()
    {
        ["data"] = new JsonObject { ["train"] = train, ["test"] = test, ["valid"] = valid },
        ["schedule"] = new JsonObject { ["batchSize"] = 16, ["epochs"] = 1, ["evaluations"] = 0 },
    };

    private static void AssertSameParameters(Module expected, Module actual)
    {
        var a = expected.NamedParameters();
        var b = actual.NamedParameters();
        Assert.Equal(a.Select(p => (p.Name, p.Parameter.Value.Shape.ToArray())), b.Select(p => (p.Name, p.Parameter.Value.Shape.ToArray())));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Parameter.Value.ToArray(), b[i].Parameter.Value.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(PresetsAndMethods))]
    public void EveryPresetAndMethodTrainsAFewStepsOnASmallSubset(string preset, string method)
    {
        var config = BuiltInConfigs.Load(preset).Resolve(method, Small(), Fixtures.DatasetsDir);
        Assert.Equal("single-task", config.Baseline);
        var plan = ConfigRunBuilder.Build(config, seed: 0);
        var tasks = plan.Data.Tasks;
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(10, t.Outputs));
        Assert.Equal(96 / 16, plan.Options.TotalSteps);                              // one epoch, both tasks every step
        Assert.Equal("all", plan.Configuration["sampler"]);
        Assert.Equal("96", plan.Configuration["trainRows"]);
        Assert.Equal("40", plan.Configuration["testRows"]);
        Assert.Equal(method == "single-task" ? "48780" : "27450", plan.Configuration["parameters"]);

        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.Equal(6, report.Updates);
        Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
    }

    [Fact]
    public void BothTasksLabelTheSameCompositesFromTheSourcesSeed()
    {
        var config = BuiltInConfigs.Load("multifashion-mnist").Resolve("hard-sharing", Small(valid: 0.25), Fixtures.DatasetsDir);
        var source = (MultiDigitsSource)config.Data;
        Assert.EndsWith("mnist", source.Path, StringComparison.Ordinal);
        Assert.EndsWith("fashion-mnist", source.DownRightPath, StringComparison.Ordinal);
        Assert.Equal(["up-left", "down-right"], config.Tasks.Select(t => t.Column));

        var plan = ConfigRunBuilder.Build(config, seed: 4);
        var t1 = plan.Data.Tasks;
        Assert.Equal("72", plan.Configuration["trainRows"]);
        Assert.Equal("24", plan.Configuration["validRows"]);

        Assert.True(plan.Evaluator.HasValidation);

        // The same composites as the generator's, from the data seed's first stream (the run seed plays no part).
        var root = new Rng(source.Seed);
        var expected = MultiDigits.Compose(Mnist.LoadTrain(source.Path), Mnist.LoadTrain(source.DownRightPath), 96, root.Split());
        var built = BuildTasks(config);
        var other = BuildTasks(config);
        Assert.Same(built[0].Train.Inputs, built[1].Train.Inputs);                   // one input array for both tasks
        Assert.Same(built[0].Test.Inputs, built[1].Test.Inputs);
        Assert.Equal(expected.Pixels.AsSpan(0, 72 * 784).ToArray(), built[0].Train.Inputs);
        Assert.Equal(expected.UpLeftLabels[..72], built[0].Train.Labels);
        Assert.Equal(expected.DownRightLabels[..72], built[1].Train.Labels);
        Assert.Equal(expected.DownRightLabels[72..], built[1].Valid!.Labels);
        Assert.Equal(built[0].Train.Inputs, other[0].Train.Inputs);                  // rebuilt: the same images
        Assert.Equal([1, 28, 28], built[0].Train.SampleShape);
        Assert.Equal(2, t1.Count);
    }

    private static IReadOnlyList<MtlSharp.MultiTask.Tasks.TaskData> BuildTasks(RunConfig config) =>
        ConfigRunBuilder.MultiDigitTasks((MultiDigitsSource)config.Data, config.Tasks);

    [Fact]
    public void TheNetworksAreSenerAndKoltunsLeNetSharedOrOnePerTask()
    {
        // Written from the paper's code: conv 5x5x10 → max-pool 2 → ReLU → conv 5x5x20 → max-pool 2 → ReLU → fc 320→50
        // → ReLU, then per task fc 50→50 → ReLU → fc 50→10 (conv + ReLU → max-pool is the same function).
        var rng = new Rng(21);
        RoutedLayer Shared(IComponentStack c, int components) => new(c, components == 1 ? FixedRouter.SharedBottom(2, 1) : FixedRouter.NoSharing(2, 2), CombineMode.Mean);
        RoutedNetwork LeNet(int c) => new(
            [
                Shared(new ConvComponents(c, 1, 10, 5, rng), c), FunctionStage.MaxPool(2, 2),
                Shared(new ConvComponents(c, 10, 20, 5, rng), c), FunctionStage.MaxPool(2, 2),
                FunctionStage.Flatten(), Shared(new MlpComponents(c, [320, 50], outputRelu: true, rng), c),
            ],
            new TaskHeads(50, [50], [10, 10], rng),
            0f,
            2);
        foreach (var (method, components) in new[] { ("hard-sharing", 1), ("single-task", 2) })
        {
            rng = new Rng(21);
            var paper = LeNet(components);
            var config = BuiltInConfigs.Load("multimnist").ResolveWithoutFiles(method, null);
            var built = ConfigRunBuilder.Network((RoutedModelSpec)config.Model, ["a", "b"], [10, 10], [1, 28, 28], null, new Rng(21));
            AssertSameParameters(paper, built);
            Assert.Equal(paper.Allocations(), built.Allocations());
        }

        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("multimnist").Resolve("hard-sharing", null, Fixtures.DatasetsDir), seed: 0);
        Assert.Equal(100 * 235, plan.Options.TotalSteps);                            // 100 epochs of 60,000 in batches of 256
        Assert.Equal("0.001", plan.Configuration["modelLearningRate"]);
        Assert.Equal("256", plan.Configuration["batchSize"]);
        Assert.Equal("60000", plan.Configuration["trainRows"]);
        Assert.Equal("10000", plan.Configuration["testRows"]);
    }

    [Fact]
    public void MaxPoolingAndReluCommuteSoConvReluThenPoolIsLeNetsConvPoolRelu()
    {
        var x = Tensor.Uniform(new Shape(3, 4, 8, 8), -1f, 1f, new Rng(2));
        Assert.Equal(Ops.Relu(Ops.MaxPool2d(x, 2, 2)).ToArray(), Ops.MaxPool2d(Ops.Relu(x), 2, 2).ToArray());
    }

    [Fact]
    public void MlpHeadsApplyTheirHiddenReluLayersAndLinearHeadsKeepTheirNames()
    {
        var heads = new TaskHeads(6, [5, 4], [3, 2], new Rng(8));
        var names = heads.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(["hidden0_0_weight", "hidden0_0_bias", "hidden0_1_weight", "hidden0_1_bias", "weight0", "bias0", "hidden1_0_weight", "hidden1_0_bias", "hidden1_1_weight", "hidden1_1_bias", "weight1", "bias1"], names);
        Assert.All(heads.NamedParameters(), p => Assert.Equal(ParameterKind.Task(p.Name.Contains('1', StringComparison.Ordinal) && !p.Name.StartsWith("hidden0", StringComparison.Ordinal) ? 1 : 0), p.Parameter.Kind));
        var p = heads.NamedParameters().ToDictionary(q => q.Name, q => q.Parameter.Value);
        var x = Tensor.Uniform(new Shape(7, 6), -1f, 1f, new Rng(3));
        var h = Ops.Relu(Ops.Linear(x, p["hidden1_0_weight"], p["hidden1_0_bias"]));
        h = Ops.Relu(Ops.Linear(h, p["hidden1_1_weight"], p["hidden1_1_bias"]));
        Assert.Equal(Ops.Linear(h, p["weight1"], p["bias1"]).ToArray(), heads.Forward(x, 1).ToArray());
        Assert.Equal(["weight0", "bias0", "weight1", "bias1"], new TaskHeads(2, 6, 3, new Rng(8)).NamedParameters().Select(q => q.Name));
    }

    [Theory]
    [InlineData("""{ "name": "a", "kind": "classification" }""", "a multi-mnist task names its item in \"column\": up-left or down-right")]
    [InlineData("""{ "name": "a", "kind": "classification", "column": "middle" }""", "tasks[0].column")]
    [InlineData("""{ "name": "a", "kind": "regression", "column": "up-left" }""", "multi-mnist data has classification tasks")]
    public void MultiMnistTasksMustNameTheirItem(string task, string expected)
    {
        string text = $$"""
            {
              "name": "mm",
              "data": { "type": "multi-mnist", "path": "mnist" },
              "tasks": [ {{task}} ],
              "model": { "type": "routed", "router": "shared-bottom", "layers": [ { "type": "maxpool", "kernel": 2 }, { "type": "mlp", "components": 1, "sizes": [8] } ] }
            }
            """;
        var e = Assert.Throws<InvalidDataException>(() => ConfigDocument.Parse(text, "mm.json").ResolveWithoutFiles(null, null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HeadSizesNeedHeads()
    {
        var e = Assert.Throws<InvalidDataException>(() => BuiltInConfigs.Load("multimnist").ResolveWithoutFiles("hard-sharing", new JsonObject { ["model"] = new JsonObject { ["heads"] = false } }));
        Assert.Contains("model.headSizes", e.Message, StringComparison.Ordinal);
    }
}
