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
}
