using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>benchmarks/architectures/multimnist.json: every method resolves and builds, with the parameter counts the README states.</summary>
public sealed class ArchitectureBenchmarkConfigTests
{
    [DatasetFact("mnist")]
    public void EveryMethodBuildsWithItsStatedParameterCount()
    {
        var expected = new Dictionary<string, string>
        {
            ["single-task"] = "48780", ["shared-bottom"] = "27450", ["soft-sharing"] = "48780", ["gumbel"] = "48804",
            ["cross-stitch"] = "48792", ["sluice"] = "48848", ["mmoe"] = "46280", ["one-gate-moe"] = "43140",
            ["dselect-k"] = "49420", ["ple"] = "48552", ["soft-order"] = "41458", ["film"] = "47696", ["mtan"] = "42048",
            ["adashare"] = "46372", ["branching"] = "43090",
            ["cross-stitch-cw"] = "49100",   // cross-stitch with one α per channel: 4 · (10 + 20 + 50) instead of 3 · 4
        };
        string path = Path.Combine(Fixtures.RepoRoot, "benchmarks", "architectures", "multimnist.json");
        var document = ConfigDocument.Load(path);
        Assert.Equal(expected.Keys.Order(), document.Methods.Order());   // every architecture, nothing else
        var small = new JsonObject { ["data"] = new JsonObject { ["train"] = 16, ["test"] = 8 } };
        foreach (var (method, parameters) in expected)
        {
            var plan = ConfigRunBuilder.Build(document.Resolve(method, (JsonObject)small.DeepClone(), Fixtures.DatasetsDir), seed: 0);
            Assert.True(parameters == plan.Configuration["parameters"], $"{method}: {plan.Configuration["parameters"]} parameters, README says {parameters}");
        }
    }
}
