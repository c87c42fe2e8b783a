using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>The tagging presets through the one loop: epochs, early stopping on dev, keep-best, exact resume.</summary>
public sealed class TaggingLoopTests
{
    private static TaggingSettings Small(int maxEpochs = 3) => new()
    {
        DataDirectory = Fixtures.DatasetsDir,
        TrainGenre = "weblog",
        EpochFraction = 0.06,
        MaxEpochs = maxEpochs,
        Seed = 1,
    };

    [Fact]
    public void ATaggingRunCancelledAndResumedEndsExactlyLikeTheUninterruptedRun()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        RunPlan Plan() => TaggingExperiments.Build(TaggingPreset.EwtDomains, TaggingMethod.Sluice, Small());
        var whole = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = a.Path, TensorBoard = false });
        long perEpoch = long.Parse(whole.Environment["stepsPerEpoch"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3 * perEpoch, whole.Updates);
        Assert.Equal(3, whole.MetricCurves[0].Y.Length);             // one dev evaluation per epoch
        Assert.Equal("epoch", whole.LossCurves[0].XLabel);
        Assert.True(File.Exists(Path.Combine(a.Path, "checkpoints", "best", "model.safetensors")));

        using (var cts = new CancellationTokenSource())
        {
            // Stop in the middle of the second epoch, after one evaluation and a best checkpoint.
            var cut = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, TensorBoard = false, Progress = new CancelAt(cts, perEpoch + 3), ProgressEvery = 1 }, cts.Token);
            Assert.Equal("yes", cut.Environment["cancelled"]);
            Assert.True(cut.Updates < whole.Updates);
        }

        var resumed = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, TensorBoard = false, Resume = true });
        Assert.Equal(whole.Updates, resumed.Updates);
        Assert.Equal(whole.Tasks.Select(t => (t.Name, t.Test, t.Valid)), resumed.Tasks.Select(t => (t.Name, t.Test, t.Valid)));
        Assert.Equal(whole.LossCurves.Select(c => c.Y), resumed.LossCurves.Select(c => c.Y));
        Assert.Equal(whole.MetricCurves.Select(c => c.Y), resumed.MetricCurves.Select(c => c.Y));
        Assert.Equal(whole.Matrices.Select(m => m.Values.SelectMany(r => r)), resumed.Matrices.Select(m => m.Values.SelectMany(r => r)));
        Assert.Equal(whole.Environment["bestEpoch"], resumed.Environment["bestEpoch"]);
        Assert.Equal(whole.Environment["outOfDomainTest"], resumed.Environment["outOfDomainTest"]);
    }

    private sealed class CancelAt(CancellationTokenSource cts, long update) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Update >= update)
            {
                cts.Cancel();
            }
        }
    }
}
