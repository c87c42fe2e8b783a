using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

public sealed class ExpertPresetTests
{
    private static RunReport Train(RunPlan plan)
    {
        var outcome = plan.CreateTrainer([]).Train();
        return plan.BuildReport(outcome);
    }

    private static void AssertGateMatrices(RunReport report, IReadOnlyList<string> tasks)
    {
        Assert.NotEmpty(report.Matrices);
        foreach (var m in report.Matrices)
        {
            Assert.StartsWith("gate weights", m.Name, StringComparison.Ordinal);
            Assert.Equal(tasks, m.RowLabels.Take(tasks.Count));
            Assert.All(m.Values, row => Assert.Equal(1.0, row.Sum(), 4));
        }
    }

    [Fact]
    public void IncomeAndYeastListTheExpertMethods()
    {
        var income = BuiltInConfigs.Load("income");
        Assert.Equal(["no-sharing", "shared-bottom", "soft-sharing", "gumbel", "mmoe", "one-gate-moe", "ple", "soft-order", "cross-stitch", "film", "mtan", "dselect-k", "adashare", "branching", "sluice"], income.Methods);
        var mmoe = (MmoeModelSpec)income.ResolveWithoutFiles("mmoe", null).Model;
        Assert.Equal((4, GateMode.PerTask), (mmoe.Experts, mmoe.Gates));
        Assert.Equal(GateMode.One, ((MmoeModelSpec)income.ResolveWithoutFiles("one-gate-moe", null).Model).Gates);
        var ple = (PleModelSpec)income.ResolveWithoutFiles("ple", null).Model;
        Assert.Equal((2, 2, 1), (ple.Levels, ple.SharedExperts, ple.TaskExperts));

        var yeast = BuiltInConfigs.Load("yeast");
        Assert.Equal(["no-sharing", "shared-bottom", "soft-sharing", "gumbel", "mmoe", "one-gate-moe", "ple", "soft-order", "cross-stitch", "film", "mtan", "dselect-k", "adashare", "branching", "sluice"], yeast.Methods);
        var soft = (SoftOrderModelSpec)yeast.ResolveWithoutFiles("soft-order", null).Model;
        Assert.Equal((3, 3, 32), (soft.Layers, soft.Depth, soft.ExpertSizes[0]));
        Assert.Equal("no-sharing", yeast.Baseline);
        var c = yeast.ResolveWithoutFiles("ple", null);
        Assert.Equal(14, c.Tasks.Count);
        Assert.Equal(Enumerable.Range(1, 14).Select(i => $"label{i}"), c.Tasks.Select(t => t.Column));
    }

    [Fact]
    public void TheSchemaKeepsRoutedKeysOutOfExpertModels()
    {
        var doc = BuiltInConfigs.Load("income");
        var bad = Assert.Throws<InvalidDataException>(() => doc.ResolveWithoutFiles("mmoe", new JsonObject { ["model"] = new JsonObject { ["layers"] = new JsonArray() } }));
        Assert.Contains("model.layers", bad.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<InvalidDataException>(() => doc.ResolveWithoutFiles("ple", new JsonObject { ["model"] = new JsonObject { ["sharedExperts"] = null } }));
        Assert.Contains("sharedExperts", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "type": "mmoe", "experts": 3, "expertSizes": [8], "gates": "per-task", "towerSizes": [4] }""")]
    [InlineData("""{ "type": "mmoe", "experts": 2, "expertSizes": [8, 4], "gates": "one" }""")]
    [InlineData("""{ "type": "ple", "levels": 2, "sharedExperts": 1, "taskExperts": 1, "expertSizes": [8] }""")]
    public void ExpertModelsTrainOnSyntheticTasks(string model)
    {
        string text = $$"""
            {
              "name": "syn",
              "data": { "type": "synthetic", "clusters": [2, 1], "train": 256, "test": 64 },
              "tasks": [ { "name": "a", "kind": "regression" }, { "name": "b", "kind": "regression" }, { "name": "c", "kind": "regression" } ],
              "model": {{model}},
              "optimizer": { "type": "adam", "learningRate": 0.01 },
              "schedule": { "batchSize": 32, "rounds": 20, "evaluations": 2 }
            }
            """;
        var config = ConfigDocument.Parse(text, "syn.json").ResolveWithoutFiles(null, null);
        var plan = ConfigRunBuilder.Build(config, seed: 1);
        Assert.IsType<ExpertModel>(plan.Model);
        var report = Train(plan);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        AssertGateMatrices(report, ["a", "b", "c"]);
        Assert.Contains(plan.Model.SharingScalars(), s => s.Name.StartsWith("gates/", StringComparison.Ordinal));
    }

    [DatasetFact("income")]
    public void IncomeExpertMethodsBuildTrainAndReportGateWeights()
    {
        var doc = BuiltInConfigs.Load("income");
        foreach (string method in new[] { "mmoe", "one-gate-moe", "ple" })
        {
            var plan = ConfigRunBuilder.Build(doc.Resolve(method, null, Fixtures.DatasetsDir), seed: 0, scale: 0.01);
            var report = Train(plan);
            Assert.Equal(["income", "married"], report.Tasks.Select(t => t.Name));
            AssertGateMatrices(report, ["income", "married"]);
            Assert.Contains("model", plan.Configuration.Keys);
            Assert.DoesNotContain("routerLearningRate", plan.Configuration.Keys);
        }
    }

    [DatasetFact("yeast")]
    public void YeastMethodsBuildAndTrain()
    {
        var doc = BuiltInConfigs.Load("yeast");
        foreach (string method in doc.Methods)
        {
            var plan = ConfigRunBuilder.Build(doc.Resolve(method, null, Fixtures.DatasetsDir), seed: 0, scale: 0.01);
            var report = Train(plan);
            Assert.Equal(14, report.Tasks.Count);
            Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));
            if (method is "mmoe" or "ple")
            {
                AssertGateMatrices(report, Enumerable.Range(1, 14).Select(i => $"label{i}").ToArray());
            }
        }
    }
}
