using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Configuration;

public sealed class MetricsAndDeltaMTests
{
    [Fact]
    public void MacroF1AveragesPerClassF1OverClassesSeenOrPredicted()
    {
        var acc = new MetricAccumulator(TaskInfo.Create("t", TaskKind.Classification, 4, MetricKind.MacroF1));
        // labels 0 0 1 1 2, predictions 0 1 1 1 0; class 3 neither labelled nor predicted.
        int[] y = [0, 0, 1, 1, 2], p = [0, 1, 1, 1, 0];
        for (int i = 0; i < y.Length; i++)
        {
            float[] s = new float[4];
            s[p[i]] = 1f;
            acc.AddClass(s, y[i]);
        }

        // class 0: tp 1 fp 1 fn 1 → 0.5; class 1: tp 2 fp 1 fn 0 → 0.8; class 2: tp 0 fn 1 → 0.
        Assert.Equal((0.5 + 0.8 + 0) / 3, acc.Result(), 12);
    }

    [Fact]
    public void MultiLabelAccuracyAndMicroF1SkipMaskedEntries()
    {
        var a = new MetricAccumulator(TaskInfo.Create("t", TaskKind.MultiLabel, 3, MetricKind.Accuracy));
        var f = new MetricAccumulator(TaskInfo.Create("t", TaskKind.MultiLabel, 3, MetricKind.MicroF1));
        float[][] logits = [[2f, -1f, 0.5f], [-3f, 1f, 4f]];
        float[][] y = [[1f, 1f, 0f], [0f, 1f, 1f]];
        float[][] m = [[1f, 1f, 1f], [1f, 0f, 1f]];
        for (int i = 0; i < 2; i++)
        {
            a.AddLabels(logits[i], y[i], m[i]);
            f.AddLabels(logits[i], y[i], m[i]);
        }

        // entries: (1,1) ok, (0,1) miss, (1,0) fp, (0,0) ok, [masked], (1,1) ok → 3/5; tp 2, fp 1, fn 1 → 4/6.
        Assert.Equal(3.0 / 5, a.Result(), 12);
        Assert.Equal(4.0 / 6, f.Result(), 12);
        Assert.Equal(5, a.Count);
    }

    [Fact]
    public void RegressionMetricsAreInOriginalUnits()
    {
        var info = (MetricKind k) => TaskInfo.Create("t", TaskKind.Regression, 1, k);
        var mse = new MetricAccumulator(info(MetricKind.Mse), targetScale: 2.0);
        var rmse = new MetricAccumulator(info(MetricKind.Rmse), targetScale: 2.0);
        var mae = new MetricAccumulator(info(MetricKind.Mae), targetScale: 2.0);
        foreach (var acc in new[] { mse, rmse, mae })
        {
            acc.AddValue(1f, 0f);    // error 2 in original units
            acc.AddValue(0f, 2f);    // error 4
        }

        Assert.Equal(10.0, mse.Result(), 12);
        Assert.Equal(Math.Sqrt(10.0), rmse.Result(), 12);
        Assert.Equal(3.0, mae.Result(), 12);
        Assert.True(double.IsNaN(new MetricAccumulator(info(MetricKind.Mse)).Result()));
    }

    [Fact]
    public void DeltaMMatchesTheHandComputedValueAndItsSign()
    {
        // accuracy 0.9 vs 0.8 (+12.5%), rmse 3 vs 4 (lower is better: +25%), mse 2 vs 1 (−100%) → mean −20.8333%.
        var method = new[] { ("a", 0.9, true), ("r", 3.0, false), ("m", 2.0, false), ("only-here", 1.0, true) };
        var baseline = new[] { ("a", 0.8), ("r", 4.0), ("m", 1.0) };
        Assert.Equal((12.5 + 25 - 100) / 3, DeltaM.Compute(method, baseline)!.Value, 10);
        Assert.Equal(0.0, DeltaM.Compute([("a", 0.8, true)], [("a", 0.8)])!.Value, 12);
        Assert.Null(DeltaM.Compute([("x", 1.0, true)], [("a", 0.8)]));
    }

    [Fact]
    public void TheSweepTableGivesDeltaMPerMethodOverSeeds()
    {
        static RunReport R(string method, int seed, double a, double r) => new()
        {
            Preset = "p",
            Method = method,
            Seed = seed,
            Tasks = [new TaskResult("a", "accuracy", a), new TaskResult("r", "rmse", r)],
            MeanTest = (a + r) / 2,
            TrainSeconds = 0,
            UpdatesPerSecond = 0,
        };

        RunReport[] runs = [R("single", 0, 0.8, 4), R("single", 1, 0.8, 4), R("multi", 0, 0.88, 3), R("multi", 1, 0.72, 5)];
        var rows = ConfigTable.Aggregate(runs, "single");
        Assert.Equal(0.0, rows[0].DeltaM!.Value, 12);
        // seed 0: (+10% + 25%)/2 = 17.5; seed 1: (−10% − 25%)/2 = −17.5 → mean 0, sd 24.75.
        Assert.Equal(0.0, rows[1].DeltaM!.Value, 10);
        Assert.Equal(Math.Sqrt(2 * 17.5 * 17.5), rows[1].DeltaMDeviation!.Value, 10);
        Assert.Equal(0.8, rows[1].Means["a"], 12);
        string md = ConfigTable.ToMarkdown("p", runs, "single");
        Assert.Contains("| multi | 2 | 0.8 ± 0.11 | 4 ± 1.4 | 0.00 ± 24.75 | – |", md, StringComparison.Ordinal);
        Assert.Contains("positive = better than single", md, StringComparison.Ordinal);
    }
}
