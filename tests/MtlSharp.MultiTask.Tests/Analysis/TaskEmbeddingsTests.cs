using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;

namespace MtlSharp.MultiTask.Tests.Analysis;

public sealed class TaskEmbeddingsTests
{
    private static readonly int[][][] Alloc =
    [
        [[1, 0, 1, 1], [1, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]],
        [[1, 1], [1, 1], [1, 0], [0, 0]],
    ];

    [Fact]
    public void EmbeddingConcatenatesLayers()
    {
        int[][] e = TaskEmbeddings.Embed(Alloc);
        Assert.Equal([1, 0, 1, 1, 1, 1], e[0]);
        Assert.Equal([0, 1, 1, 1, 0, 0], e[3]);
    }

    [Fact]
    public void ClustersGroupIdenticalEmbeddings()
    {
        var clusters = TaskEmbeddings.Clusters(TaskEmbeddings.Embed(Alloc));
        Assert.Equal(3, clusters.Count);
        Assert.Equal([0, 1], clusters[0]);
        Assert.Equal([2], clusters[1]);
        Assert.Equal([3], clusters[2]);
    }

    [Fact]
    public void CosineSimilarityAndActiveFraction()
    {
        double[][] s = TaskEmbeddings.CosineSimilarity(TaskEmbeddings.Embed(Alloc));
        Assert.Equal(1.0, s[0][1], 12);
        // e0 = 101111, e2 = 011110: dot 3, norms √5 √4.
        Assert.Equal(3 / Math.Sqrt(20), s[0][2], 12);
        Assert.Equal(s[2][0], s[0][2]);
        Assert.Equal(17.0 / 24, TaskEmbeddings.ActiveFraction(Alloc), 12);
    }

    [Fact]
    public void CentredSimilarityComparesDeviationsFromTheMeanTask()
    {
        // Every probability above ½ (every connection kept: the binary embeddings are all equal), but tasks 0 and 1
        // lean one way and tasks 2 and 3 the other. One layer, two components.
        double[][][] p = [[[0.9, 0.6], [0.8, 0.7], [0.6, 0.9], [0.7, 0.8]]];
        Assert.All(TaskEmbeddings.CosineSimilarity(TaskEmbeddings.Embed([[[1, 1], [1, 1], [1, 1], [1, 1]]])).SelectMany(r => r), v => Assert.Equal(1.0, v, 12));
        double[][] s = TaskEmbeddings.CentredSimilarity(p);
        // Means per component 0.75 and 0.75; deviations (.15, −.15), (.05, −.05), (−.15, .15), (−.05, .05).
        Assert.Equal(1.0, s[0][1], 12);
        Assert.Equal(-1.0, s[0][2], 12);
        Assert.Equal(-1.0, s[1][3], 12);
        Assert.Equal(1.0, s[2][3], 12);
        Assert.Equal(1.0, s[2][2], 12);

        // Two layers of one component: deviations d0 = (0.9 − 0.7, 0.2 − 0.5) = (0.2, −0.3), d1 = (−0.2, 0.3), and
        // d2 = 0 (the third task is the mean task), whose similarity to the others is 0.
        double[][][] q = [[[0.9], [0.5], [0.7]], [[0.2], [0.8], [0.5]]];
        double[][] r = TaskEmbeddings.CentredSimilarity(q);
        Assert.Equal(-1.0, r[0][1], 12);
        Assert.Equal(0.0, r[0][2], 12);
        Assert.Equal(1.0, r[2][2], 12);

        // A general case against a direct computation: deviations d0 = (0.3, −0.1), d1 = (−0.1, 0.2), d2 = (−0.2, −0.1).
        double[][][] g = [[[0.8, 0.3], [0.4, 0.6], [0.3, 0.3]]];
        double[][] h = TaskEmbeddings.CentredSimilarity(g);
        double Cos(double a0, double a1, double b0, double b1) => ((a0 * b0) + (a1 * b1)) / Math.Sqrt(((a0 * a0) + (a1 * a1)) * ((b0 * b0) + (b1 * b1)));
        Assert.Equal(Cos(0.3, -0.1, -0.1, 0.2), h[0][1], 9);
        Assert.Equal(Cos(0.3, -0.1, -0.2, -0.1), h[0][2], 9);
        Assert.Equal(Cos(-0.1, 0.2, -0.2, -0.1), h[1][2], 9);
    }

    [Fact]
    public void GumbelGroupingSplitsTasksThatEveryConnectionServes()
    {
        // The 4-MNISTs situation: every task keeps every connection, but the copies of one kind lean alike. From the
        // centred similarity the budget-2 search pairs the copies; from the binary embeddings it could not tell.
        double[][][] p = [[[0.88, 0.91, 0.83, 0.74], [0.92, 0.96, 0.90, 0.70], [0.84, 0.76, 0.78, 0.91], [0.91, 0.84, 0.78, 0.98]],
                          [[0.99, 0.67, 0.91, 0.96], [0.97, 0.65, 0.91, 0.96], [0.92, 0.96, 0.96, 0.82], [0.96, 0.96, 0.96, 0.80]]];
        var grouping = MtlSharp.MultiTask.Analysis.Grouping.GroupSearch.Choose(MtlSharp.MultiTask.Analysis.Grouping.GroupScores.FromRelation(TaskEmbeddings.CentredSimilarity(p)), 2);
        Assert.Equal(2, grouping.Networks.Count);
        Assert.Contains(grouping.Networks, nw => nw.Serves.SequenceEqual([0, 1]));
        Assert.Contains(grouping.Networks, nw => nw.Serves.SequenceEqual([2, 3]));
    }

    [Fact]
    public void SnapshotsKeepTheSignalThatTheFinalSaturatedProbabilitiesLose()
    {
        // Two snapshots of one layer: early, the copies lean alike; at the end every probability is 1.
        double[][] early = [[0.9, 0.6], [0.8, 0.7], [0.6, 0.9], [0.7, 0.8]];
        double[][] late = [[1, 1], [1, 1], [1, 1], [1, 1]];
        Assert.All(TaskEmbeddings.CentredSimilarity([late]).SelectMany((r, i) => r.Where((_, j) => j != i)), v => Assert.Equal(0.0, v, 12));
        double[][] s = TaskEmbeddings.CentredSimilarity([early, late]);
        Assert.Equal(1.0, s[0][1], 12);
        Assert.Equal(-1.0, s[0][3], 12);
        var grouping = MtlSharp.MultiTask.Analysis.Grouping.GroupSearch.Choose(MtlSharp.MultiTask.Analysis.Grouping.GroupScores.FromRelation(s), 2);
        Assert.Contains(grouping.Networks, nw => nw.Serves.SequenceEqual([0, 1]));
        Assert.Contains(grouping.Networks, nw => nw.Serves.SequenceEqual([2, 3]));
    }
}
