using System.Globalization;
using System.Text;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// The table of a configuration sweep (<c>mtl reproduce</c>): per method, each task's test metric as mean ± sample
/// standard deviation over seeds, and the multi-task gain Δm (<see cref="DeltaM"/>, positive = better than the
/// baseline) against the baseline method's per-task means, averaged over the method's seeds, and the mean training
/// time per update (ms; wall time of the loop over its updates, so evaluations are included).
/// </summary>
public static class ConfigTable
{
    /// <summary>Rows in first-seen method order; Δm against <paramref name="baseline"/> when it has runs.</summary>
    public static IReadOnlyList<ConfigTableRow> Aggregate(IReadOnlyList<RunReport> runs, string? baseline)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var methods = runs.Select(r => r.Method).Distinct().ToArray();
        var baseMeans = baseline is not null && runs.Any(r => r.Method == baseline)
            ? Means(runs.Where(r => r.Method == baseline).ToArray()).Select(kv => (kv.Key, kv.Value.Mean)).ToArray()
            : null;
        var rows = new List<ConfigTableRow>();
        foreach (string m in methods)
        {
            var of = runs.Where(r => r.Method == m).ToArray();
            var stats = Means(of);
            double? dm = null, dmSd = null;
            if (baseMeans is not null)
            {
                var per = of.Select(r => DeltaM.Compute(r.Tasks.Select(t => (t.Name, t.Test, DeltaM.HigherIsBetter(t.Metric))).ToArray(), baseMeans))
                    .OfType<double>().ToArray();
                if (per.Length > 0)
                {
                    dm = per.Average();
                    dmSd = Sd(per);
                }
            }

            rows.Add(new ConfigTableRow(m, of.Length, stats.ToDictionary(kv => kv.Key, kv => kv.Value.Mean), stats.ToDictionary(kv => kv.Key, kv => kv.Value.Sd), dm, dmSd));
        }

        return rows;
    }

    /// <summary>The table as Markdown.</summary>
    public static string ToMarkdown(string name, IReadOnlyList<RunReport> runs, string? baseline)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var rows = Aggregate(runs, baseline);
        var tasks = runs.SelectMany(r => r.Tasks).Select(t => (t.Name, t.Metric)).Distinct().ToArray();
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"# {name}: test metrics, mean ± sd over seeds\n\n");
        sb.Append("| method | runs | ");
        foreach (var (task, metric) in tasks)
        {
            sb.Append(ci, $"{task} ({metric}{(DeltaM.HigherIsBetter(metric) ? " ↑" : " ↓")}) | ");
        }

        sb.Append(baseline is null ? "ms/step |\n" : $"Δm vs {baseline} (%) | ms/step |\n");
        sb.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---|", tasks.Length + (baseline is null ? 1 : 2)))).Append('\n');
        foreach (var row in rows)
        {
            sb.Append(ci, $"| {row.Method} | {row.Runs} | ");
            foreach (var (task, _) in tasks)
            {
                sb.Append(row.Means.TryGetValue(task, out double mu) ? string.Create(ci, $"{mu:G4} ± {row.Deviations[task]:G2}") : "–").Append(" | ");
            }

            if (baseline is not null)
            {
                sb.Append(row.DeltaM is { } d ? string.Create(ci, $"{d:+0.00;-0.00;0.00} ± {row.DeltaMDeviation:0.00}") : "–").Append(" | ");
            }

            var of = runs.Where(r => r.Method == row.Method && r.UpdatesPerSecond > 0).ToArray();
            sb.Append(of.Length > 0 ? string.Create(ci, $"{of.Average(r => 1000.0 / r.UpdatesPerSecond):0.###}") : "–").Append(" |\n");
        }

        if (baseline is not null)
        {
            sb.Append(ci, $"\nΔm = (100/T)·Σ_t ±(M_t − M_{baseline},t)/M_{baseline},t (+ where higher is better, − where lower is); positive = better than {baseline}. Tasks the baseline does not train are left out of Δm.\n");
        }

        return sb.ToString();
    }

    /// <summary>Writes <c>table.md</c> and <c>table.json</c> (the rows) into <paramref name="directory"/>; returns the Markdown.</summary>
    public static string Save(string directory, string name, IReadOnlyList<RunReport> runs, string? baseline)
    {
        Directory.CreateDirectory(directory);
        var utf8 = new UTF8Encoding(false);
        string md = ToMarkdown(name, runs, baseline);
        var json = System.Text.Json.JsonSerializer.Serialize(Aggregate(runs, baseline), ReproductionJsonContext.Default.IReadOnlyListConfigTableRow);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "table.json"), utf8.GetBytes(json));
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "table.md"), utf8.GetBytes(md));
        return md;
    }

    private static Dictionary<string, (double Mean, double Sd)> Means(IReadOnlyList<RunReport> runs)
    {
        var names = runs.SelectMany(r => r.Tasks.Select(t => t.Name)).Distinct().ToArray();
        var result = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (string n in names)
        {
            double[] v = runs.SelectMany(r => r.Tasks.Where(t => t.Name == n).Select(t => t.Test)).ToArray();
            result[n] = (v.Average(), Sd(v));
        }

        return result;
    }

    private static double Sd(double[] v)
    {
        if (v.Length < 2)
        {
            return 0;
        }

        double mu = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mu) * (x - mu)) / (v.Length - 1));
    }
}
