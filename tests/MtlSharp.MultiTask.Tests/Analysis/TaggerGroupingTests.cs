using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Analysis;

/// <summary>Standley grouping over the BiLSTM tagger's tasks (subsets of the sentences' tag columns); transfer: <see cref="TaggerTransferTests"/>.</summary>
public sealed class TaggerGroupingTests
{
    [Fact]
    public void StandleyTrainsEverySingleAndPairOfTaggingTasks()
    {
        var doc = ConfigDocument.Load(Path.Combine(Fixtures.RepoRoot, "docs", "results", "grouping", "ewt-tasks.json"));
        var config = doc.Resolve(null, new JsonObject
        {
            ["tasks"] = new JsonArray(
                new JsonObject { ["name"] = "UPOS", ["kind"] = "sequence-tagging", ["column"] = "upos" },
                new JsonObject { ["name"] = "FEATS", ["kind"] = "sequence-tagging", ["column"] = "feats" }),
            ["schedule"] = new JsonObject { ["epochs"] = 1 },
        }, Fixtures.DatasetsDir);
        var study = GroupingRunner.Run(config, new GroupingOptions { Method = GroupingMethod.Standley, Budget = 1, Scale = 0.05 });

        Assert.Equal(["UPOS", "FEATS"], study.Tasks);
        Assert.Equal(3, study.Runs.Count);   // two singles and the pair
        Assert.Equal([[0], [1], [0, 1]], study.Runs.Select(r => r.Tasks));
        Assert.All(study.Runs, r => Assert.Equal(r.Tasks.Length, r.Test.Length));
        Assert.All(study.AllSeparate!, a => Assert.InRange(a, 0.0, 1.0));
        Assert.Single(study.Grouping.Networks);
    }
}
