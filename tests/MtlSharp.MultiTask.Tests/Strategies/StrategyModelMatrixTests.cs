using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Tests.Configuration;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Strategies;

/// <summary>
/// Every loss weighting and every gradient aggregator with every model family of the library — shared bottom,
/// Gumbel-Matrix routing, MMoE, PLE, soft layer ordering, dense cross-stitch, task-conditioned FiLM (configured over a small CSV table) and the sluice tagger
/// (UD English-EWT), and the conv cross-stitch and sluice networks (MultiMNIST, LeNet-like columns) — trains a few
/// updates to finite results through the one loop.
/// </summary>
public sealed class StrategyModelMatrixTests
{
    public static TheoryData<string> Families => new() { "shared", "gumbel", "mmoe", "ple", "soft-order", "cross-stitch", "film", "mtan", "dselect-k", "adashare", "branching", "sluice" };

    private static IEnumerable<string> Strategies() =>
        ConfigNames.Aggregators.Keys.Where(k => k != "none").Select(a => $"\"aggregator\": \"{a}\"")
            .Concat(ConfigNames.Weightings.Keys.Select(w => $"\"weighting\": \"{w}\""));

    private static string Model(string family) => family switch
    {
        "shared" => """{ "type": "routed", "router": "shared-bottom", "layers": [ { "type": "mlp", "components": 2, "sizes": [8] } ] }""",
        "gumbel" => """{ "type": "routed", "router": "gumbel", "layers": [ { "type": "mlp", "components": 2, "sizes": [8] } ] }""",
        "mmoe" => """{ "type": "mmoe", "experts": 3, "expertSizes": [8] }""",
        "ple" => """{ "type": "ple", "levels": 2, "sharedExperts": 2, "taskExperts": 1, "expertSizes": [8] }""",
        "cross-stitch" => """{ "type": "cross-stitch", "sizes": [8, 4] }""",
        "film" => """{ "type": "film", "sizes": [8, 4], "embeddingSize": 3 }""",
        "mtan" => """{ "type": "mtan", "sizes": [8, 4] }""",
        "sluice" => """{ "type": "sluice", "sizes": [4, 4], "subspaces": 2 }""",
        "branching" => """{ "type": "branching", "width": 6, "nodes": [1, 2] }""",
        "adashare" => """{ "type": "adashare", "width": 8, "blocks": 2, "warmupSteps": 1, "curriculumSteps": 1 }""",
        "dselect-k" => """{ "type": "mmoe", "experts": 3, "expertSizes": [8], "gate": "dselect-k" }""",
        _ => """{ "type": "soft-order", "layers": 2, "width": 8 }""",
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void EveryStrategyTrainsThisFamily(string family)
    {
        using var files = new ConfigFiles();
        files.Table(rows: 40, missingBelow: 0);
        int runs = 0;
        foreach (string strategy in Strategies())
        {
            string path = files.Write("c.json", $$"""
                {
                  "name": "matrix",
                  "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 1 } },
                  "tasks": [
                    { "name": "cls", "kind": "classification", "column": "y" },
                    { "name": "reg", "kind": "regression", "column": "z", "metric": "rmse" }
                  ],
                  "model": {{Model(family)}},
                  "strategy": { "sampler": "all", {{strategy}} },
                  "optimizer": { "type": "adam", "learningRate": 0.01 },
                  "schedule": { "batchSize": 5, "epochs": 1 }
                }
                """);
            var config = ConfigDocument.Load(path).Resolve(null, null, files.Dir);
            var report = ExperimentRunner.Run(ConfigRunBuilder.Build(config, seed: 2), new RunOptions { TensorBoard = false });
            Assert.True(report.Updates >= 3, $"{family} × {strategy}: {report.Updates} updates");
            Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test), $"{family} × {strategy}: {t.Name} = {t.Test}"));
            runs++;
        }

        Assert.Equal(ConfigNames.Aggregators.Count - 1 + ConfigNames.Weightings.Count, runs);
    }

    [DatasetFact("mnist")]
    public void EveryStrategyTrainsTheConvCrossStitchAndSluiceNetworks()
    {
        // LeNet-like columns (small), then two mlp layers of one width so the sluice has a β mixture.
        const string Columns = """
            "layers": [ { "type": "conv", "filters": 4, "kernel": 5 }, { "type": "maxpool", "kernel": 2 }, { "type": "conv", "filters": 4, "kernel": 5 },
              { "type": "maxpool", "kernel": 2 }, { "type": "mlp", "sizes": [8] }, { "type": "mlp", "sizes": [8] } ],
            "router": null, "combine": null, "heads": null, "headSizes": null
            """;
        int runs = 0;
        foreach (string model in new[] { $$"""{ "type": "cross-stitch", {{Columns}} }""", $$"""{ "type": "sluice", "subspaces": 2, {{Columns}} }""" })
        {
            foreach (string strategy in Strategies())
            {
                var overrides = (JsonObject)JsonNode.Parse($$"""
                    {
                      "data": { "train": 24, "test": 8 },
                      "model": {{model}},
                      "strategy": { "sampler": "all", {{strategy}} },
                      "schedule": { "batchSize": 8, "epochs": 1, "evaluations": 0 }
                    }
                    """)!;
                var config = BuiltInConfigs.Load("multimnist").Resolve("hard-sharing", overrides, Fixtures.DatasetsDir);
                var report = ExperimentRunner.Run(ConfigRunBuilder.Build(config, seed: 2), new RunOptions { TensorBoard = false });
                Assert.True(report.Updates >= 3, $"{model} × {strategy}: {report.Updates} updates");
                Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
                runs++;
            }
        }

        Assert.Equal(2 * (ConfigNames.Aggregators.Count - 1 + ConfigNames.Weightings.Count), runs);
    }

    [DatasetFact("ud-english-ewt")]
    public void EveryStrategyTrainsTheSluiceTagger()
    {
        // One tagger (loading the corpus once); each strategy takes three updates through the loop's own step (no
        // evaluation: the EWT dev and test sets are large). The model keeps training from one strategy to the next.
        var plan = TaggingExperiments.Build(TaggingPreset.EwtDomains, TaggingMethod.Sluice, new TaggingSettings
        {
            DataDirectory = Fixtures.DatasetsDir,
            TrainGenre = "weblog",
            Seed = 1,
            Sampler = SamplerKind.All,
        });
        int tasks = plan.Data.Tasks.Count;
        var arena = new MtlSharp.Tensors.TensorArena();
        var rng = new MtlSharp.Tensors.Rng(5);
        int runs = 0;
        foreach (var (aggregator, weighting) in ConfigNames.Aggregators.Values.Where(a => a != AggregatorKind.None).Select(a => (a, (LossWeightingKind?)null))
            .Concat(ConfigNames.Weightings.Values.Select(w => (AggregatorKind.None, (LossWeightingKind?)w))))
        {
            var options = plan.Options with
            {
                Aggregator = Aggregators.Create(aggregator, rng.Split()),
                Weighting = weighting is { } w ? LossWeightings.Create(w, tasks, rng.Split()) : null,
            };
            var trainer = new MtlSharp.MultiTask.Training.Trainer(plan.Model, plan.Data, plan.Evaluator, options);
            for (int step = 0; step < 3; step++)
            {
                using var scope = arena.Enter();
                var result = trainer.Update(plan.Data.Next(Enumerable.Range(0, tasks).ToArray()), step);
                Assert.All(result.Losses, l => Assert.True(float.IsFinite(l), $"{aggregator}/{weighting}: loss {l}"));
            }

            Assert.All(plan.Model.Module.Parameters(), p => Assert.True(p.Data.ToArray().All(float.IsFinite), $"{aggregator}/{weighting}: {p.Name}"));
            runs++;
        }

        Assert.Equal(ConfigNames.Aggregators.Count - 1 + ConfigNames.Weightings.Count, runs);
    }
}
