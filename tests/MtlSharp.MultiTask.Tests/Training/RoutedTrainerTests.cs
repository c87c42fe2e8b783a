using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.MultiTask.Tests.Training;

public sealed class RoutedTrainerTests
{
    private static ExperimentSettings Small(int seed, string? checkpoints = null) => new()
    {
        Seed = seed,
        ScheduleScale = 0.2,
        SyntheticTrainSize = 4000,
        SyntheticTestSize = 1000,
        CheckpointDirectory = checkpoints,
    };

    [Fact]
    public void SyntheticGumbelLearnsAndReportsAllocations()
    {
        var setup = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(0));
        var outcome = new RoutedTrainer(setup.Model, setup.Tasks, setup.Options).Run();
        var report = ExperimentRunner.BuildReport(setup, 0, outcome);
        Assert.Equal(600 * 4, outcome.Updates);
        foreach (var curve in outcome.LossCurves)
        {
            Assert.True(curve.Y[^1] < curve.Y[0] / 2, $"{curve.Name}: loss {curve.Y[0]} → {curve.Y[^1]} did not halve");
        }

        for (int t = 0; t < 4; t++)
        {
            // Better than predicting the mean (test MSE below the targets' variance).
            float[] y = setup.Tasks[t].Test.Targets!;
            double mean = y.Average(v => (double)v);
            double variance = y.Average(v => (v - mean) * (v - mean));
            Assert.InRange(report.Tasks[t].Test, 0, variance);
        }

        Assert.Equal(4, report.Allocation![0].Length);
        Assert.InRange(report.ActiveFraction!.Value, 0.0, 1.0);
        Assert.Equal(4, report.Clusters!.Sum(c => c.Count));
        Assert.Equal(201, report.AllocationHistory[0].Steps.Length);
        Assert.Equal(1.0, report.TaskSimilarity![2][2], 9);
    }

    [Fact]
    public void SameSeedGivesIdenticalResults()
    {
        double Run()
        {
            var s = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(3) with { ScheduleScale = 0.05 });
            return new RoutedTrainer(s.Model, s.Tasks, s.Options).Run().Tasks.Sum(t => t.Test);
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void CheckpointReloadsToTheSameMetrics()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtl-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var s = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.NoSharing, Small(1, dir) with { ScheduleScale = 0.05 });
            var trainer = new RoutedTrainer(s.Model, s.Tasks, s.Options);
            var outcome = trainer.Run();
            Assert.True(File.Exists(Path.Combine(dir, "last", Checkpoint.MetadataFile)));

            var fresh = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.NoSharing, Small(1) with { ScheduleScale = 0.05 });
            Checkpoint.Load(Path.Combine(dir, "last"), fresh.Model);
            var again = new RoutedTrainer(fresh.Model, fresh.Tasks, fresh.Options);
            for (int t = 0; t < 2; t++)
            {
                Assert.Equal(outcome.Tasks[t].Test, again.Evaluate(t, fresh.Tasks[t].Test), 6);
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [Fact]
    public void CancellationStopsEarlyAndKeepsTheLastCheckpoint()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtl-cancel-" + Guid.NewGuid().ToString("N"));
        try
        {
            var s = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, Small(2, dir));
            using var cts = new CancellationTokenSource();
            var progress = new CancelAfter(cts, 200);
            var outcome = new RoutedTrainer(s.Model, s.Tasks, s.Options).Run(progress, cts.Token);
            Assert.True(outcome.Cancelled);
            Assert.InRange(outcome.Updates, 200, 300);
            Assert.True(File.Exists(Path.Combine(dir, "last", Checkpoint.ModelFile)));
            Assert.Equal(outcome.Updates, Checkpoint.ReadMetadata(Path.Combine(dir, "last")).Step);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [Fact]
    public void PresetRejectsUnsupportedMethod()
    {
        var ex = Assert.Throws<ArgumentException>(() => GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.Gumbel, Small(0)));
        Assert.Contains("SyntheticTransfer", ex.Message);
    }

    [Fact]
    public void TemperatureScheduleMatchesTheReleasedCode()
    {
        var s = TemperatureSchedule.Annealed;
        Assert.Equal(50f, s.At(0));
        Assert.Equal(50f / MathF.Sqrt(100f), s.At(99), 5);
        Assert.Equal(0.5f, s.At(10_000));
        Assert.Equal(0.5f, s.At(1_000_000));
    }

    private sealed class CancelAfter(CancellationTokenSource cts, long updates) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Update >= updates)
            {
                cts.Cancel();
            }
        }
    }
}
