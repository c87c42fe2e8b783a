using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;

namespace MtlSharp.MultiTask.Tests.Analysis;

/// <summary>Taskonomy-style transfer: the share of training examples, the frozen source network, and the matrix.</summary>
public sealed class TransferTests
{
    private static TaskData Task(string name, int count, float[]? inputs = null) => new(
        name, TaskKind.Classification, 3,
        new TaskSplit(inputs ?? [.. Enumerable.Range(0, count * 2).Select(i => (float)i)], [2], [.. Enumerable.Range(0, count).Select(i => i % 3)], null),
        new TaskSplit([0f, 1f], [2], [0], null));

    [Fact]
    public void TheShareKeepsCeilOfTheFractionOfEachTasksOwnRowsInOrder()
    {
        var tasks = new[] { Task("a", 50), Task("b", 7) };
        var share = ConfigRunBuilder.TrainShare(tasks, 0.1, seed: 3, sharedRows: false);
        Assert.Equal(5, share[0].Train.Count);
        Assert.Equal(1, share[1].Train.Count);
        foreach (var (original, kept) in tasks.Zip(share))
        {
            // Each kept example is an original row (input x = 2r, 2r+1; label r mod 3), rows ascending.
            int[] rows = [.. Enumerable.Range(0, kept.Train.Count).Select(i => (int)kept.Train.Inputs[2 * i] / 2)];
            Assert.Equal(rows.Order(), rows);
            Assert.Equal(rows.Length, rows.Distinct().Count());
            for (int i = 0; i < rows.Length; i++)
            {
                Assert.Equal(2 * rows[i] + 1, kept.Train.Inputs[2 * i + 1]);
                Assert.Equal(original.Train.Labels![rows[i]], kept.Train.Labels![i]);
            }

            Assert.Same(original.Test, kept.Test);
        }

        // The same seed gives the same rows; another seed other rows.
        Assert.Equal(share[0].Train.Inputs, ConfigRunBuilder.TrainShare(tasks, 0.1, 3, false)[0].Train.Inputs);
        Assert.NotEqual(share[0].Train.Inputs, ConfigRunBuilder.TrainShare(tasks, 0.1, 4, false)[0].Train.Inputs);
    }

    [Fact]
    public void TasksOverSharedRowsKeepTheSameRowsAndOneInputArray()
    {
        float[] inputs = [.. Enumerable.Range(0, 80).Select(i => (float)i)];
        var tasks = new[] { Task("a", 40, inputs), Task("b", 40, inputs) };
        var share = ConfigRunBuilder.TrainShare(tasks, 0.25, seed: 0, sharedRows: true);
        Assert.Equal(10, share[0].Train.Count);
        Assert.Same(share[0].Train.Inputs, share[1].Train.Inputs);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfigRunBuilder.TrainShare(tasks, 0, 0, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfigRunBuilder.TrainShare(tasks, 1.5, 0, true));
    }

    [Fact]
    public void ATransferRunTrainsOnlyTheTargetsHeadOverTheFrozenSource()
    {
        var config = GroupingRecoveryTests.Clusters(heads: true);
        var source = ConfigRunBuilder.Build(config, seed: 0, scale: 0.5, taskSubset: [0]);
        ExperimentRunner.Run(source, new RunOptions { TensorBoard = false, CheckpointEverySeconds = 0 });
        var snapshot = FrozenSource.Snapshot(source.Model);
        Assert.NotEmpty(snapshot);

        var target = ConfigRunBuilder.Build(config, seed: 0, scale: 0.5, taskSubset: [2], trainFraction: 0.25);
        Assert.Equal(100, target.Data.TrainCount(0));
        FrozenSource.Load(target.Model, snapshot, "test");
        var heads = target.Model.Module.Parameters(ParameterRole.Task).Select(p => p.Data.ToArray()).ToArray();
        ExperimentRunner.Run(target, new RunOptions { TensorBoard = false, CheckpointEverySeconds = 0 });

        foreach (var (name, p) in target.Model.Module.NamedParameters())
        {
            if (p.Kind.Role == ParameterRole.Task)
            {
                continue;
            }

            Assert.Equal(snapshot[name], p.Data.ToArray());
            Assert.False(p.HasGrad, $"{name} received a gradient");
        }

        var trained = target.Model.Module.Parameters(ParameterRole.Task);
        Assert.Contains(trained.Select((p, k) => !p.Data.SequenceEqual(heads[k])), moved => moved);
    }

    [Fact]
    public void TransferNeedsTaskSpecificParametersAndTheSameArchitecture()
    {
        var plain = ConfigRunBuilder.Build(GroupingRecoveryTests.Clusters(), seed: 0, scale: 0.1, taskSubset: [0]);
        var e = Assert.Throws<ArgumentException>(() => FrozenSource.RequireTaskParameters(plain.Model));
        Assert.Contains("model.heads true", e.Message, StringComparison.Ordinal);

        var withHeads = ConfigRunBuilder.Build(GroupingRecoveryTests.Clusters(heads: true), seed: 0, scale: 0.1, taskSubset: [0]);
        var wrong = FrozenSource.Snapshot(withHeads.Model).ToDictionary(p => p.Key, p => p.Value[..^1]);
        var m = Assert.Throws<InvalidOperationException>(() => FrozenSource.Load(withHeads.Model, wrong, "Transfer x-to-y"));
        Assert.Contains("Transfer x-to-y", m.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMatrixRanksTheClusterPartnerFirst()
    {
        var study = GroupingRunner.Run(GroupingRecoveryTests.Clusters(heads: true), new GroupingOptions { Method = GroupingMethod.Transfer, Budget = 3, TransferFraction = 0.25 });
        var t = study.Transfer!;
        Assert.Equal(0.25, t.Fraction);
        Assert.Equal(6, t.Ranking.Length);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(i ^ 1, t.Ranking[i][0]);
            Assert.Equal(5, t.Ranking[i].Length);
            Assert.True(double.IsFinite(t.Scratch[i]) && double.IsFinite(t.Source[i]));
        }

        Assert.Same(t.Gain, study.Relation);
        Assert.Equal(6 + 6 + 36, study.Runs.Count);
        Assert.Equal(study.AllSeparate, t.Source);
    }
}
