using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>Deterministic, realistic-looking reports for the reporting tests.</summary>
internal static class SampleReports
{
    /// <summary>
    /// A Gumbel-Matrix-like run: <paramref name="tasks"/> tasks, <paramref name="layers"/> routed layers of
    /// <paramref name="components"/> components, <paramref name="points"/>-point noisy loss curves, allocation
    /// history, task similarity, and a sluice-like α per layer.
    /// </summary>
    public static RunReport Create(int tasks = 4, int layers = 3, int components = 4, int points = 2000,
        string? firstTaskName = null, int snapshots = 200)
    {
        var rng = new Random(1234);
        var names = new string[tasks];
        for (int t = 0; t < tasks; t++) names[t] = "task " + (char)('A' + t % 26) + (t >= 26 ? t.ToString() : "");
        if (firstTaskName is not null) names[0] = firstTaskName;

        var results = new List<TaskResult>();
        for (int t = 0; t < tasks; t++)
            results.Add(t % 2 == 0
                ? new TaskResult(names[t], "accuracy", 0.8 + 0.03 * t, 0.79 + 0.03 * t)
                : new TaskResult(names[t], "mse", 0.0123 / (t + 1)));

        var loss = new List<Curve>();
        for (int t = 0; t < tasks; t++)
        {
            var x = new double[points];
            var y = new double[points];
            for (int i = 0; i < points; i++)
            {
                x[i] = i * 10;
                double clean = (t % 2 == 0 ? 2.3 : 0.5) * Math.Exp(-i / (150.0 + 60 * t)) + 0.002 * (t + 1);
                y[i] = clean * Math.Exp(0.35 * Normal(rng));
            }
            loss.Add(new Curve(names[t], "updates", x, y));
        }

        var metric = new List<Curve>();
        for (int t = 0; t < Math.Min(tasks, 4); t++)
        {
            var x = new double[20];
            var y = new double[20];
            for (int i = 0; i < 20; i++)
            {
                x[i] = (i + 1) * points * 10.0 / 20;
                y[i] = t % 2 == 0 ? 0.85 - 0.6 * Math.Exp(-i / 4.0) : 0.01 + 0.2 * Math.Exp(-i / 3.0);
            }
            metric.Add(new Curve(names[t] + " / valid", "updates", x, y));
        }

        var history = new List<AllocationHistory>();
        var alloc = new List<int[][]>();
        for (int l = 0; l < layers; l++)
        {
            var steps = new long[snapshots];
            var probs = new double[snapshots][][];
            var target = new double[tasks][];
            for (int t = 0; t < tasks; t++)
            {
                target[t] = new double[components];
                for (int c = 0; c < components; c++)
                    target[t][c] = (t + c + l) % 3 == 0 ? 0.02 : (t * 7 + c * 3 + l) % 5 == 0 ? 0.15 : 0.97;
            }
            for (int i = 0; i < snapshots; i++)
            {
                steps[i] = (long)i * points * 10 / snapshots;
                probs[i] = new double[tasks][];
                double s = 1 - Math.Exp(-i / (snapshots / 6.0));
                for (int t = 0; t < tasks; t++)
                {
                    probs[i][t] = new double[components];
                    for (int c = 0; c < components; c++)
                        probs[i][t][c] = Math.Clamp(0.5 + (target[t][c] - 0.5) * s + 0.02 * Normal(rng), 0, 1);
                }
            }
            history.Add(new AllocationHistory(l, steps, probs));
            var a = new int[tasks][];
            for (int t = 0; t < tasks; t++)
            {
                a[t] = new int[components];
                for (int c = 0; c < components; c++) a[t][c] = target[t][c] > 0.5 ? 1 : 0;
            }
            alloc.Add(a);
        }

        var sim = new double[tasks][];
        for (int i = 0; i < tasks; i++)
        {
            sim[i] = new double[tasks];
            for (int j = 0; j < tasks; j++) sim[i][j] = i == j ? 1 : Math.Round(Math.Cos((i - j) * 0.9) * 0.9, 3);
        }

        var matrices = new List<NamedMatrix>();
        var subspaces = new string[components];
        for (int c = 0; c < components; c++) subspaces[c] = names[c % tasks] + "/" + (c % 2);
        for (int l = 0; l < layers; l++)
        {
            var v = new double[components][];
            for (int i = 0; i < components; i++)
            {
                v[i] = new double[components];
                for (int j = 0; j < components; j++) v[i][j] = i == j ? 0.9 - 0.05 * l : 0.1 / (components - 1) + 0.01 * (i - j);
            }
            matrices.Add(new NamedMatrix("α layer " + l, subspaces, subspaces, v));
        }
        matrices.Add(new NamedMatrix("β", names, ["layer 0", "layer 1", "layer 2"],
            [.. names.Select((_, t) => new[] { 0.2 + 0.1 * t, 0.3, 0.5 - 0.1 * t })]));

        return new RunReport
        {
            Preset = "synthetic-gumbel",
            Method = "gumbel",
            Seed = 7,
            Tasks = results,
            MeanTest = results.Average(r => r.Test),
            Allocation = alloc,
            ActiveFraction = 0.6875,
            Clusters = [[names[0], names[Math.Min(2, tasks - 1)]], [names[Math.Min(1, tasks - 1)]]],
            TaskSimilarity = sim,
            TrainSeconds = 93.4,
            UpdatesPerSecond = 214.1,
            Updates = points * 10,
            LossCurves = loss,
            MetricCurves = metric,
            AllocationHistory = history,
            Matrices = matrices,
            Environment = new Dictionary<string, string>
            {
                ["threads"] = "2", ["machine"] = "AMD EPYC (AVX2, FMA)", [".NET"] = "10.0.0",
                ["config"] = "{\"lr\":0.001,\"batch\":128,\"gumbelTemperature\":1.0}",
            },
        };
    }

    private static double Normal(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
