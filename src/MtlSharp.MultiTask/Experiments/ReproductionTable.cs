using System.Globalization;
using System.Text;
using System.Text.Json;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Aggregates run reports into the paper-style table (mean ± std over seeds) and writes it.</summary>
public static class ReproductionTable
{
    /// <summary>
    /// One row per (method, variant): the mean test metric ± std over seeds, active connections, and whether the
    /// <paramref name="expectedGroups"/> of related tasks (task indices) ended up sharing an allocation pattern.
    /// </summary>
    public static IReadOnlyList<ReproductionRow> Aggregate(IEnumerable<(string Variant, RunReport Report)> runs, IReadOnlyList<int[]> expectedGroups)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var rows = new List<ReproductionRow>();
        foreach (var g in runs.GroupBy(r => (r.Report.Method, r.Variant)))
        {
            var reports = g.Select(x => x.Report).OrderBy(r => r.Seed).ToArray();
            double[] values = reports.Select(r => r.MeanTest).ToArray();
            double mean = values.Average();
            double std = values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
            int shared = reports.Count(r => GroupsShare(r, expectedGroups));
            int distinct = reports.Count(r => GroupsDiffer(r, expectedGroups));
            rows.Add(new ReproductionRow(
                g.Key.Method,
                g.Key.Variant,
                reports[0].Tasks[0].Metric,
                reports.Select(r => r.Seed).ToArray(),
                values,
                mean,
                std,
                reports.All(r => r.ActiveFraction is null) ? null : reports.Average(r => r.ActiveFraction ?? 0),
                shared,
                distinct,
                reports.Average(r => r.UpdatesPerSecond)));
        }

        return rows;
    }

    private static int[] Embedding(RunReport r, int task) => r.Allocation!.SelectMany(layer => layer[task]).ToArray();

    private static bool GroupsShare(RunReport r, IReadOnlyList<int[]> groups) =>
        r.Allocation is not null && groups.All(g => g.All(t => Embedding(r, t).SequenceEqual(Embedding(r, g[0]))));

    private static bool GroupsDiffer(RunReport r, IReadOnlyList<int[]> groups)
    {
        if (r.Allocation is null || groups.Count < 2)
        {
            return false;
        }

        for (int i = 0; i < groups.Count; i++)
        {
            for (int j = i + 1; j < groups.Count; j++)
            {
                if (Embedding(r, groups[i][0]).SequenceEqual(Embedding(r, groups[j][0])))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The table as Markdown (accuracy shown in percent).</summary>
    public static string ToMarkdown(string preset, IReadOnlyList<ReproductionRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## {preset}");
        sb.AppendLine();
        sb.AppendLine("| method | variant | seeds | test metric (mean ± std) | active conn. | related tasks share a pattern | groups differ | updates/s |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            bool acc = r.Metric == "accuracy";
            string value = acc
                ? string.Create(ci, $"{r.Mean * 100:F2} ± {r.Std * 100:F2} % acc")
                : string.Create(ci, $"{r.Mean:F4} ± {r.Std:F4} MSE");
            sb.AppendLine(ci, $"| {r.Method} | {(r.Variant.Length == 0 ? "–" : r.Variant)} | {r.Seeds.Length} | {value} | {(r.ActiveFraction is { } af ? string.Create(ci, $"{af * 100:F1}%") : "–")} | {r.GroupsShared}/{r.Seeds.Length} | {r.GroupsDistinct}/{r.Seeds.Length} | {r.UpdatesPerSecond:F0} |");
        }

        return sb.ToString();
    }

    /// <summary>Writes <c>table.json</c> and <c>table.md</c> into <paramref name="directory"/>.</summary>
    public static void Save(string directory, string preset, IReadOnlyList<ReproductionRow> rows)
    {
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(rows, ReproductionJsonContext.Default.IReadOnlyListReproductionRow);
        var utf8 = new System.Text.UTF8Encoding(false);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "table.json"), utf8.GetBytes(json));
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "table.md"), utf8.GetBytes(ToMarkdown(preset, rows)));
    }
}
