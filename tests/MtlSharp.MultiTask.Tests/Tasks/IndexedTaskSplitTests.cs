using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Tasks;

/// <summary>
/// A <see cref="TaskSplit"/> with an index: its examples are rows of a shared input array, read the same way by
/// training (<see cref="TaskSplit.GatherInputs"/>), evaluation (<see cref="TaskSplit.InputsRange"/>) and subsets
/// (<see cref="TaskSplit.Rows"/>, which keep the shared array).
/// </summary>
public sealed class IndexedTaskSplitTests
{
    /// <summary>Five rows of two values: row r holds (10r, 10r + 1).</summary>
    private static readonly float[] Shared = [0, 1, 10, 11, 20, 21, 30, 31, 40, 41];

    [Fact]
    public void ExamplesAreTheRowsTheIndexNames()
    {
        var split = new TaskSplit(Shared, [2], [7, 8, 9], null, index: [4, 0, 2]);
        Assert.Equal(3, split.Count);
        Assert.Same(Shared, split.Inputs);
        Assert.Equal([40f, 41, 0, 1, 20, 21], split.GatherInputs([0, 1, 2]).ToArray());
        Assert.Equal([20f, 21, 40, 41], split.GatherInputs([2, 0]).ToArray());
        Assert.Equal([0f, 1, 20, 21], split.InputsRange(1, 2).ToArray());
        Assert.Equal([2, 2], split.InputsRange(1, 2).Shape.ToArray());
    }

    [Fact]
    public void ASubsetKeepsTheSharedArrayAndComposesTheIndex()
    {
        var split = new TaskSplit(Shared, [2], [7, 8, 9], null, index: [4, 0, 2]);
        var sub = split.Rows([2, 0]);
        Assert.Same(Shared, sub.Inputs);
        Assert.Equal([2, 4], sub.Index!);
        Assert.Equal([9, 7], sub.Labels!);
        Assert.Equal([20f, 21, 40, 41], sub.InputsRange(0, 2).ToArray());
    }

    [Fact]
    public void AnIndexThatDoesNotFitIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new TaskSplit(Shared, [2], [7, 8], null, index: [0]));           // one entry per example
        Assert.Throws<ArgumentException>(() => new TaskSplit(Shared, [2], [7], null, index: [5]));              // row 5 of 5
        Assert.Throws<ArgumentException>(() => new TaskSplit(Shared, [3], [7], null, index: [0]));              // 10 values are not rows of 3
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskSplit(Shared, [2], [7, 8], null, index: [0, 1]).InputsRange(1, 2));
    }

    [Fact]
    public void SharedRowTrainingRefusesIndexedSplits()
    {
        var split = new TaskSplit(Shared, [2], [0, 1, 0], null, index: [4, 0, 2]);
        var task = new TaskData("t", Data.Tasks.TaskKind.Classification, 2, split, split);
        Assert.Throws<ArgumentException>(() => new SharedRowsTrainingData([task, task], 2, new Rng(0)));
    }
}
