using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>
/// The paper presets' configurations build the papers' networks and schedules: each network is compared parameter by
/// parameter with one written out here from the paper's description (App. A3, Sec. II, App. B) with the same stream.
/// (Before the presets became configurations, old and new code gave identical metrics on every preset; README.)
/// </summary>
public sealed class PresetConfigTests
{
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

    [Fact]
    public void Mnist4IsThreeRoutedConvLayersWithPoolingDropoutAndHeads()
    {
        var rng = new Rng(9);
        Module Layer(int cin, int k) => new RoutedLayer(new ConvComponents(4, cin, 4, k, rng), new GumbelMatrixRouter(4, 4, 0.5f), CombineMode.Mean);
        var paper = new RoutedNetwork([Layer(1, 5), FunctionStage.AvgPool(2, 2), Layer(4, 3), FunctionStage.AvgPool(2, 2), Layer(4, 3)], new TaskHeads(4, 36, 10, rng), 0.5f, 4);
        AssertSameParameters(paper, GumbelExperiments.Mnist4Model(RoutingMethod.Gumbel, CombineMode.Mean, new Rng(9)));

        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("mnist4").Resolve("gumbel-budget", null, Fixtures.DatasetsDir), seed: 0);
        Assert.Equal(37_500 * 4, plan.Options.TotalSteps);           // 10 epochs per task, one task per step
        Assert.Equal(37_500 / 5 * 4, plan.Options.EvaluateEvery);
        Assert.Equal(0f, plan.Options.ClipNorm);
        Assert.Equal("0.005", plan.Configuration["modelLearningRate"]);
        Assert.Equal("0.75", plan.Configuration["budget"]);
        Assert.Equal("16", plan.Configuration["batchSize"]);
        Assert.Equal(Enumerable.Repeat(10, 4), plan.Data.Tasks.Select(t => t.Outputs));
    }

    [Fact]
    public void SyntheticGumbelIsOneRoutedLayerOfFourMlpsWithoutHeads()
    {
        var rng = new Rng(3);
        var paper = new RoutedNetwork([new RoutedLayer(new MlpComponents(4, [128, 16, 16, 1], outputRelu: false, rng), FixedRouter.NoSharing(4, 4), CombineMode.Sum)], null, 0f, 4);
        var built = GumbelExperiments.SyntheticGumbelModel(RoutingMethod.NoSharing, CombineMode.Sum, new Rng(3));
        AssertSameParameters(paper, built);
        Assert.Equal([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], built.Allocations()[0]);
        Assert.Equal(CombineMode.Sum, built.RoutedLayers[0].Combine);

        var small = new JsonObject { ["data"] = new JsonObject { ["train"] = 64, ["test"] = 64 } };
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("synthetic-gumbel").Resolve(null, small, null), seed: 0);
        Assert.Equal(3000 * 4, plan.Options.TotalSteps);
        Assert.Equal(1f, plan.Options.ClipNorm);
        Assert.Equal(0, plan.Options.EvaluateEvery);
        Assert.Equal(["cluster0-task0", "cluster0-task1", "cluster1-task2", "cluster1-task3"], plan.Data.Tasks.Select(t => t.Name));
        Assert.Equal("0.01", plan.Configuration["routerLearningRate"]);
    }

    [Fact]
    public void SyntheticDataSharesItsInputsUnlessToldNotTo()
    {
        var doc = BuiltInConfigs.Load("synthetic-gumbel");
        RunConfig Config(bool? shared)
        {
            var data = new JsonObject { ["train"] = 32, ["test"] = 8 };
            if (shared is { } b)
            {
                data["sharedInputs"] = b;
            }

            return doc.ResolveWithoutFiles(null, new JsonObject { ["data"] = data });
        }

        foreach (var (shared, expected) in new[] { ((bool?)null, true), (true, true), (false, false) })
        {
            var config = Config(shared);
            var source = Assert.IsType<SyntheticSource>(config.Data);
            Assert.Equal(expected, source.SharedInputs);
            var (tasks, shape) = ConfigRunBuilder.Synthetic(source, config.Tasks, new Rng(5));
            Assert.Equal([128], shape);
            Assert.Equal(expected, tasks[0].Train.Inputs.AsSpan().SequenceEqual(tasks[1].Train.Inputs));
            Assert.Equal(expected, tasks[0].Test.Inputs.AsSpan().SequenceEqual(tasks[3].Test.Inputs));
        }

        var bad = Assert.ThrowsAny<Exception>(() => doc.ResolveWithoutFiles(null, new JsonObject { ["data"] = new JsonObject { ["sharedInputs"] = "no" } }));
        Assert.Contains("sharedInputs", bad.Message);
    }

    [Fact]
    public void SyntheticTransferHasComponentsOfTwoDepthsAndItsNoSharingSplitsThem()
    {
        var rng = new Rng(5);
        var comps = new ComponentGroup(new MlpComponents(2, [128, 4], outputRelu: true, rng), new MlpComponents(2, [128, 4, 4], outputRelu: true, rng));
        var paper = new RoutedNetwork([new RoutedLayer(comps, new FixedRouter([[1, 0, 1, 0], [0, 1, 0, 1]]), CombineMode.Mean)], new TaskHeads(2, 4, 1, rng), 0f, 2);
        var config = BuiltInConfigs.Load("synthetic-transfer").ResolveWithoutFiles("no-sharing", null);
        var built = ConfigRunBuilder.Network((RoutedModelSpec)config.Model, ["a", "b"], [1, 1], [128], null, new Rng(5));
        AssertSameParameters(paper, built);
        Assert.Equal(paper.Allocations(), built.Allocations());
    }

    [Fact]
    public void TheTaggerPresetsKeepTheirTasksAndTraining()
    {
        var doc = BuiltInConfigs.Load("ewt-domains-xpos");
        var single = doc.Resolve("single-task", null, Fixtures.DatasetsDir);
        Assert.Equal(["DEPREL"], single.Tasks.Select(t => t.Name));
        var sluice = doc.Resolve(null, null, Fixtures.DatasetsDir);
        Assert.Equal(["DEPREL", "UPOS", "XPOS"], sluice.Tasks.Select(t => t.Name));
        Assert.Equal(MtlSharp.MultiTask.Models.Tagging.TaggingMethod.Sluice, ((TaggerModelSpec)sluice.Model).Method);
        Assert.Equal(8, sluice.Schedule.BatchSize);
        Assert.Equal(30, sluice.Schedule.Epochs);
        Assert.Equal(2, sluice.Stopping.Patience);
        Assert.Equal(OptimizerKind.Sgd, sluice.Optimizer.Type);
    }

    [Fact]
    public void ATaggerTrainsASubsetOfItsTasksWithTheFirstOfThemMain()
    {
        var doc = ConfigDocument.Load(Path.Combine(Fixtures.RepoRoot, "docs", "results", "grouping", "ewt-tasks.json"));
        var config = doc.Resolve(null, null, Fixtures.DatasetsDir);
        Assert.Equal(["DEPREL", "UPOS", "XPOS", "FEATS"], config.Tasks.Select(t => t.Name));
        var plan = ConfigRunBuilder.Build(config, seed: 0, scale: 0.01, taskSubset: [1, 3]);
        Assert.Equal(["UPOS", "FEATS"], plan.Data.Tasks.Select(t => t.Name));
        Assert.True(plan.Data.Tasks[1].Outputs > 20, $"{plan.Data.Tasks[1].Outputs} FEATS tags");   // distinct FEATS strings of EWT's training set
        // A tagger trains on a share of its sentences (transfer); a sentence model does not.
        Assert.Equal(793, ConfigRunBuilder.Build(config, 0, 0.01, [0], trainFraction: 0.5).Data.TrainCount(0));   // ⌈0.5 · 1,585⌉ weblog sentences
        var sentence = BuiltInConfigs.Load("ewt-genre").Resolve(null, null, Fixtures.DatasetsDir);
        var e = Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Build(sentence, 0, 0.01, null, trainFraction: 0.5));
        Assert.Contains("share of the examples", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSchemaNamesTheStrategiesTheLoopKnows()
    {
        var schema = JsonNode.Parse(ConfigDocument.SchemaText)!["$defs"]!["strategy"]!["properties"]!;
        string[] Enum(string key) => schema[key]!["enum"]!.AsArray().Where(n => n is not null).Select(n => n!.GetValue<string>()).ToArray();
        Assert.Equal(ConfigNames.Samplers.Keys, Enum("sampler"));
        Assert.Equal(ConfigNames.Aggregators.Keys, Enum("aggregator"));
        Assert.Equal(ConfigNames.Weightings.Keys, Enum("weighting"));
    }
}
