using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;

namespace MtlSharp.MultiTask.Tests.Analysis;

public sealed class TaskRelationshipTests
{
    /// <summary>Four synthetic tasks in two clusters ({0, 1}, {2, 3}, ρ = 1), a shared bottom, every task in every update.</summary>
    private static RunPlan Plan(int seed = 0, double scale = 0.05) => GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.SharedBottom, new ExperimentSettings
    {
        Seed = seed,
        ScheduleScale = scale,
        SyntheticTrainSize = 2000,
        SyntheticTestSize = 500,
        Sampler = SamplerKind.All,
    });

    [Fact]
    public void MeasuringTrainsExactlyLikeNotMeasuringAndReportsCurvesAndMatrices()
    {
        using var dir = new Training.TempFolder();
        var plain = ExperimentRunner.Run(Plan(), new RunOptions());
        var measured = ExperimentRunner.Run(Plan(), new RunOptions
        {
            OutputDirectory = dir.Path,
            Relationships = new RelationshipOptions { GradientEvery = 5, AffinityEvery = 5 },
        });
        Assert.Equal(plain.Tasks.Select(t => t.Test), measured.Tasks.Select(t => t.Test));

        // Curves: cosine, conflict and magnitude for "all" and every shared layer, one point per 5 updates.
        Assert.Contains(measured.GradientCurves, c => c.Name == "cosine · all");
        Assert.Equal(measured.Updates / 5, measured.GradientCurves[0].X.Length);
        Assert.All(measured.GradientCurves.Where(c => c.Name.StartsWith("conflict", StringComparison.Ordinal)), c => Assert.All(c.Y, y => Assert.InRange(y, 0, 1)));

        // Three phases of gradient cosine, three of affinity, and the run's affinity.
        Assert.Equal(7, measured.Relationships.Count);
        var z = measured.TaskAffinity!;
        Assert.Equal(4, z.Length);

        // The clusters show: a step on a task's gradient helps its twin far more than the other cluster's tasks.
        Assert.True(z[0][1] > z[0][2] && z[0][1] > z[0][3] && z[2][3] > z[2][0] && z[2][3] > z[2][1], Describe(z));

        string log = File.ReadAllText(Path.Combine(dir.Path, ExperimentRunner.MetricsFile));
        Assert.Contains("\"kind\":\"gradients\"", log, StringComparison.Ordinal);
        Assert.Contains("all/conflict", log, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"affinity\"", File.ReadAllText(Path.Combine(dir.Path, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void ARunCancelledAndResumedMeasuresExactlyLikeTheUninterruptedRun()
    {
        using var a = new Training.TempFolder();
        using var b = new Training.TempFolder();
        var relationships = new RelationshipOptions { GradientEvery = 3, AffinityEvery = 4 };
        var whole = ExperimentRunner.Run(Plan(2), new RunOptions { OutputDirectory = a.Path, CheckpointEverySteps = 40, Relationships = relationships });
        using (var cts = new CancellationTokenSource())
        {
            ExperimentRunner.Run(Plan(2), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 40, Relationships = relationships, Progress = new CancelAt(cts, 100) }, cts.Token);
        }

        var resumed = ExperimentRunner.Run(Plan(2), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 40, Relationships = relationships, Resume = true });
        Assert.Equal(whole.TaskAffinity, resumed.TaskAffinity);
        Assert.Equal(whole.GradientCurves.Select(c => c.Y), resumed.GradientCurves.Select(c => c.Y));
        Assert.Equal(whole.Relationships.Select(m => m.Values), resumed.Relationships.Select(m => m.Values));
        Assert.Equal(
            File.ReadAllLines(Path.Combine(a.Path, ExperimentRunner.MetricsFile)).Where(l => l.Contains("\"gradients\"", StringComparison.Ordinal)),
            File.ReadAllLines(Path.Combine(b.Path, ExperimentRunner.MetricsFile)).Where(l => l.Contains("\"gradients\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheLookaheadAgreesWithTheGradientsToFirstOrder()
    {
        // Z_{i→j} · L_j / η → g_i · g_j as η → 0: the forward lookahead and the backward gradients must agree.
        var probe = new FirstOrderProbe();
        var plan = Plan(1, 0.01);
        plan.CreateTrainer([probe]).Train();
        Assert.True(probe.Checked >= 3, $"only {probe.Checked} updates probed");
        Assert.True(probe.WorstRelativeError < 0.05, $"worst relative error {probe.WorstRelativeError}");
    }

    [Fact]
    public void OneTaskPerUpdateIsRefused()
    {
        var plan = GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.SharedBottom, new ExperimentSettings { ScheduleScale = 0.01, SyntheticTrainSize = 200, SyntheticTestSize = 50 });
        var e = Assert.Throws<ArgumentException>(() => ExperimentRunner.Run(plan, new RunOptions { Relationships = new RelationshipOptions { AffinityEvery = 1 } }));
        Assert.Contains("--sampler all", e.Message, StringComparison.Ordinal);
    }

    private static string Describe(double[][] m) => string.Join(" | ", m.Select(r => string.Join(" ", r.Select(v => v.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))));

    private sealed class CancelAt(CancellationTokenSource cts, long updates) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Update >= updates)
            {
                cts.Cancel();
            }
        }
    }

    private sealed class FirstOrderProbe : TrainingCallback, IStepProbe
    {
        public int Checked { get; private set; }

        public double WorstRelativeError { get; private set; }

        public override string Name => "first-order";

        public bool Probes(long step) => step % 7 == 3;

        public void Probe(StepProbe probe)
        {
            float[] before = probe.LookaheadLosses(null);
            for (int k = 0; k < before.Length; k++)
            {
                Assert.Equal(probe.Losses[k], before[k], 5);
            }

            var g = probe.TaskGradients();
            double scale = g.Max(r => r.Sum(v => (double)v * v));
            float eta = (float)(1e-3 * before.Min() / scale);
            var z = LookaheadAffinity.Compute(g, eta, probe.LookaheadLosses);
            for (int i = 0; i < g.Length; i++)
            {
                for (int j = 0; j < g.Length; j++)
                {
                    double dot = g[i].Zip(g[j], (a, b) => (double)a * b).Sum();
                    double predicted = z[i][j] * before[j] / eta;
                    WorstRelativeError = Math.Max(WorstRelativeError, Math.Abs(predicted - dot) / scale);
                }
            }

            Checked++;
        }
    }
}
