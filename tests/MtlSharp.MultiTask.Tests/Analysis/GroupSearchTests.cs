using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Analysis;

public sealed class GroupSearchTests
{
    [Fact]
    public void AHandMadeTableGivesItsKnownOptimum()
    {
        // Three tasks. Alone: 1 each. {0,1} helps both (2 and 2), {0,1,2} helps 2 a lot but hurts 0 and 1.
        var s = new GroupScores(3);
        s.Set(0b001, [1, 0, 0]);
        s.Set(0b010, [0, 1, 0]);
        s.Set(0b100, [0, 0, 1]);
        s.Set(0b011, [2, 2, 0]);
        s.Set(0b111, [0.5, 0.5, 4]);

        // One network: the only one serving all is {0,1,2}: 5.
        var one = GroupSearch.Choose(s, 1);
        Assert.Equal(5, one.Total, 12);
        Assert.Equal([0, 1, 2], one.Networks.Single().Trained);

        // Two networks: {0,1} serves 0 and 1, {0,1,2} serves 2 — overlapping networks: 2 + 2 + 4 = 8.
        var two = GroupSearch.Choose(s, 2);
        Assert.Equal(8, two.Total, 12);
        Assert.Equal(2, two.Networks.Count);
        Assert.Equal([0, 1], two.Networks[0].Serves);
        Assert.Equal([0, 1], two.Networks[0].Trained);
        Assert.Equal([2], two.Networks[1].Serves);
        Assert.Equal([0, 1, 2], two.Networks[1].Trained);
        Assert.True(two.Exact);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TheExactSearchEqualsBruteForceOverEverySetOfNetworks(int budget)
    {
        var rng = new Rng((ulong)(17 * budget));
        for (int trial = 0; trial < 6; trial++)
        {
            int n = budget < 4 ? 5 : 4;
            var s = new GroupScores(n);
            for (int mask = 1; mask < 1 << n; mask++)
            {
                // Some groups are not candidates (as when only some were trained); singletons and the whole set always are.
                if (System.Numerics.BitOperations.PopCount((uint)mask) > 1 && mask != (1 << n) - 1 && rng.NextDouble() < 0.3)
                {
                    continue;
                }

                s.Set(mask, Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 10 - 5).ToArray());
            }

            var got = GroupSearch.Choose(s, budget);
            Assert.Equal(BruteForce(s, budget), got.Total, 9);

            // The networks' served tasks partition the tasks and the total is their scores' sum.
            Assert.Equal(Enumerable.Range(0, n), got.Networks.SelectMany(nw => nw.Serves).Order());
            Assert.Equal(got.Total, got.Networks.Sum(nw => nw.Scores.Sum()), 9);
            Assert.True(got.Networks.Count <= budget);
            Assert.All(got.Networks, nw => Assert.True(nw.Serves.All(t => nw.Trained.Contains(t))));
        }
    }

    [Fact]
    public void PairwiseAveragesEstimateTheHigherOrderGroups()
    {
        var s = new GroupScores(3);
        s.Set(0b011, [1, 3, 0]);
        s.Set(0b101, [5, 0, 7]);
        s.Set(0b110, [0, 9, 11]);
        s.EstimateHigherOrderFromPairs();
        Assert.Equal(3, s.Score(0b111, 0), 12);    // (1 + 5) / 2
        Assert.Equal(6, s.Score(0b111, 1), 12);    // (3 + 9) / 2
        Assert.Equal(9, s.Score(0b111, 2), 12);    // (7 + 11) / 2
    }

    [Fact]
    public void RelationScoresAverageWhatTheOtherMembersGiveEachTask()
    {
        double[][] z = [[0, 0.2, -0.1], [0.4, 0, 0.3], [0.6, -0.5, 0]];
        var s = GroupScores.FromRelation(z);
        Assert.Equal(0.4, s.Score(0b011, 0), 12);                // from task 1
        Assert.Equal((0.4 + 0.6) / 2, s.Score(0b111, 0), 12);    // from tasks 1 and 2
        Assert.Equal(0, s.Score(0b100, 2), 12);                  // alone
        var best = GroupSearch.Choose(s, 2);
        Assert.Equal(BruteForce(s, 2), best.Total, 12);
    }

    [Fact]
    public void ManyTasksUseTheGreedyApproximationAndServeEveryTask()
    {
        const int n = 20;
        var z = new double[n][];
        for (int i = 0; i < n; i++)
        {
            z[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                z[i][j] = i / 2 == j / 2 ? 1 : -0.1;   // ten true pairs
            }
        }

        var s = GroupScores.FromRelation(z, maxSize: 2);
        var g = GroupSearch.Choose(s, 10);
        Assert.False(g.Exact);
        Assert.Equal(10, g.Networks.Count);
        Assert.All(g.Networks, nw => Assert.Equal(nw.Trained[0] / 2, nw.Trained[1] / 2));
        Assert.Throws<ArgumentException>(() => GroupSearch.Choose(GroupScores.FromRelation(z, maxSize: 1), 10));
    }

    [Fact]
    public void ABudgetThatCannotServeEveryTaskIsAClearError()
    {
        var s = new GroupScores(3);
        s.Set(0b001, [1, 0, 0]);
        s.Set(0b010, [0, 1, 0]);
        s.Set(0b100, [0, 0, 1]);
        var e = Assert.Throws<ArgumentException>(() => GroupSearch.Choose(s, 2));
        Assert.Contains("serve all 3 tasks", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Every set of at most <paramref name="budget"/> candidates that serves every task; the best sum of per-task best scores.</summary>
    private static double BruteForce(GroupScores s, int budget)
    {
        int[] groups = [.. s.Groups.Order()];
        double best = double.NegativeInfinity;
        void Visit(int from, List<int> chosen)
        {
            if (chosen.Count > 0)
            {
                double total = 0;
                bool all = true;
                for (int t = 0; t < s.Tasks && all; t++)
                {
                    var serving = chosen.Where(g => (g >> t & 1) != 0).ToArray();
                    all = serving.Length > 0;
                    total += all ? serving.Max(g => s.Score(g, t)) : 0;
                }

                if (all)
                {
                    best = Math.Max(best, total);
                }
            }

            if (chosen.Count == budget)
            {
                return;
            }

            for (int k = from; k < groups.Length; k++)
            {
                chosen.Add(groups[k]);
                Visit(k + 1, chosen);
                chosen.RemoveAt(chosen.Count - 1);
            }
        }

        Visit(0, []);
        return best;
    }
}
