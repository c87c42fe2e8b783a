using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Tests.Training;
using MtlSharp.MultiTask.Training;

namespace MtlSharp.MultiTask.Tests.Strategies.Weighting;

public sealed class WeightingLoopTests
{
    private static ExperimentSettings Settings(LossWeightingKind kind, double scale) => new()
    {
        Seed = 3,
        Sampler = SamplerKind.All,
        Weighting = kind,
        ScheduleScale = scale,
        SyntheticTrainSize = 2000,
        SyntheticTestSize = 500,
    };

    [Theory]
    [InlineData(LossWeightingKind.Fixed)]
    [InlineData(LossWeightingKind.Uncertainty)]
    [InlineData(LossWeightingKind.Gls)]
    [InlineData(LossWeightingKind.ImtlL)]
    [InlineData(LossWeightingKind.Rlw)]
    [InlineData(LossWeightingKind.Dwa)]
    [InlineData(LossWeightingKind.DbMtlLog)]
    [InlineData(LossWeightingKind.Stch)]
    [InlineData(LossWeightingKind.Famo)]
    public void EveryWeightingTrainsTheSyntheticPresetToFiniteResults(LossWeightingKind kind)
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Settings(kind, 0.01));
        Assert.NotNull(plan.Options.Weighting);
        Assert.Equal(plan.Options.Weighting!.Parameters.Count > 0 ? 2 : 1, plan.Options.Optimizers.Count);
        var report = ExperimentRunner.Run(plan, new RunOptions());
        Assert.Equal(30, report.Updates);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test), $"{kind}: {t.Name} = {t.Test}"));
        Assert.True(double.IsFinite(report.MeanTest));
    }

    [Fact]
    public void FixedWeightingOnARoutedPresetEqualsNoWeighting()
    {
        double Run(LossWeightingKind? kind) => ExperimentRunner.Run(
            GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Settings(LossWeightingKind.Fixed, 0.01) with { Weighting = kind }),
            new RunOptions()).MeanTest;
        Assert.Equal(Run(null), Run(LossWeightingKind.Fixed));
    }

    [Theory]
    [InlineData(LossWeightingKind.Rlw)]
    [InlineData(LossWeightingKind.Dwa)]
    [InlineData(LossWeightingKind.Famo)]
    public void ACancelledAndResumedRunEndsExactlyLikeTheUninterruptedOne(LossWeightingKind kind)
    {
        // 300 updates; DWA's epochs are 100 updates, so the cut at 250 falls after two epochs, mid-way through the third.
        using var a = new TempFolder();
        using var b = new TempFolder();
        RunPlan Plan() => GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, Settings(kind, 0.1));
        var whole = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = a.Path, CheckpointEverySteps = 100 });
        using (var cts = new CancellationTokenSource())
        {
            var cut = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 100, Progress = new CancelAfter(cts, 250) }, cts.Token);
            Assert.Equal("yes", cut.Environment["cancelled"]);
            Assert.True(cut.Updates < 300);
        }

        var resumed = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 100, Resume = true });
        Assert.Equal(whole.Updates, resumed.Updates);
        Assert.Equal(whole.MeanTest, resumed.MeanTest);
        Assert.Equal(whole.Tasks.Select(t => t.Test), resumed.Tasks.Select(t => t.Test));
        Assert.Equal(whole.LossCurves.Select(c => c.Y), resumed.LossCurves.Select(c => c.Y));
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
