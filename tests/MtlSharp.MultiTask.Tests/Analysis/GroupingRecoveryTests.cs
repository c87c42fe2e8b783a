using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;

namespace MtlSharp.MultiTask.Tests.Analysis;

public sealed class GroupingRecoveryTests
{
    /// <summary>
    /// Synthetic regression tasks in three clusters of two (ρ = 1 within a cluster, clusters orthogonal), the
    /// synthetic-gumbel preset's network (four 128-16-16-1 MLPs per layer) on small data and a short schedule.
    /// </summary>
    internal static RunConfig Clusters(string method = "shared-bottom", int rounds = 100, bool heads = false)
    {
        var patch = new JsonObject
        {
            ["data"] = new JsonObject { ["clusters"] = new JsonArray(2, 2, 2), ["train"] = 400, ["test"] = 200 },
            ["tasks"] = new JsonArray([.. Enumerable.Range(0, 6).Select(t => (JsonNode)new JsonObject { ["name"] = $"c{t / 2}t{t}", ["kind"] = "regression", ["metric"] = "mse" })]),
            ["schedule"] = new JsonObject { ["rounds"] = rounds },
        };
        if (heads)
        {
            // Per-task linear heads over 16 ReLU features: what a transfer run retrains over a frozen network.
            patch["model"] = new JsonObject
            {
                ["layers"] = new JsonArray(new JsonObject { ["type"] = "mlp", ["components"] = 4, ["sizes"] = new JsonArray(16, 16), ["outputRelu"] = true }),
                ["heads"] = true,
            };
        }

        return BuiltInConfigs.Load("synthetic-gumbel").Resolve(method, patch, null);
    }

    private static bool Recovered(GroupingStudy s) =>
        s.Grouping.Networks.Count == 3 && s.Grouping.Networks.All(nw => nw.Serves.Length == 2 && nw.Serves[0] / 2 == nw.Serves[1] / 2);

    [Theory]
    [InlineData(GroupingMethod.Standley)]
    [InlineData(GroupingMethod.Tag)]
    [InlineData(GroupingMethod.Gumbel)]
    [InlineData(GroupingMethod.Transfer)]
    public void EveryMethodRecoversTheTrueClustersInFourOfFiveSeeds(GroupingMethod method)
    {
        var config = Clusters(heads: method == GroupingMethod.Transfer);
        var found = new List<string>();
        int recovered = 0;
        for (int seed = 0; seed < 5; seed++)
        {
            var study = GroupingRunner.Run(config, new GroupingOptions { Method = method, Budget = 3, Seed = seed, AffinityEvery = 10, TransferFraction = 0.25 });
            recovered += Recovered(study) ? 1 : 0;
            found.Add(string.Join(" ", study.Grouping.Networks.Select(nw => "{" + string.Join(",", nw.Serves) + "}")));
        }

        Assert.True(recovered >= 4, $"{method}: {recovered} of 5 seeds; groupings {string.Join(" | ", found)}");
    }
}
