using System.Globalization;
using System.Text;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// The paper-style domain table of the tagging experiments: rows = methods, columns = training genre, each cell
/// the main task's in-domain and average out-of-domain test accuracy (mean over seeds); plus the averages over
/// genres, the relative error reduction of every method over hard sharing and single task (as the paper reports
/// its gains), and the learned α/β of the sluice runs.
/// </summary>
public static class TaggingTable
{
    /// <summary>(in-domain, average out-of-domain) accuracy of one run.</summary>
    public static (double In, double Out) Scores(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string genre = report.Environment[TaggingReports.TrainGenreKey];
        string main = report.Tasks[0].Name;
        double inDomain = 0, sum = 0;
        int n = 0;
        foreach (var t in report.Tasks)
        {
            int at = t.Name.IndexOf('@', StringComparison.Ordinal);
            if (at < 0 || t.Name[..at] != main)
            {
                continue;
            }

            if (t.Name[(at + 1)..] == genre)
            {
                inDomain = t.Test;
            }
            else
            {
                sum += t.Test;
                n++;
            }
        }

        return (inDomain, n > 0 ? sum / n : double.NaN);
    }

    /// <summary>The table as Markdown (accuracies in percent).</summary>
    public static string ToMarkdown(string preset, IReadOnlyList<RunReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var ci = CultureInfo.InvariantCulture;
        var methods = reports.Select(r => r.Method).Distinct().ToArray();
        var genres = UdEnglishEwt.Genres.Where(g => reports.Any(r => r.Environment[TaggingReports.TrainGenreKey] == g)).ToArray();
        var cell = new Dictionary<(string M, string G), (double In, double Out, int Seeds)>();
        foreach (var m in methods)
        {
            foreach (var g in genres)
            {
                var runs = reports.Where(r => r.Method == m && r.Environment[TaggingReports.TrainGenreKey] == g).Select(Scores).ToArray();
                if (runs.Length > 0)
                {
                    cell[(m, g)] = (runs.Average(x => x.In), runs.Average(x => x.Out), runs.Length);
                }
            }
        }

        var sb = new StringBuilder();
        sb.AppendLine(ci, $"## {preset}: main-task ({reports[0].Tasks[0].Name}) test accuracy, in-domain / average out-of-domain, mean over seeds");
        sb.AppendLine();
        sb.Append("| method |");
        foreach (var g in genres)
        {
            sb.Append(ci, $" {g} in | {g} out |");
        }

        sb.AppendLine(" avg in | avg out | seeds | avg out per complete seed (mean ± std) |");
        sb.Append("|---|").Append(string.Concat(Enumerable.Repeat("---|---|", genres.Length))).AppendLine("---|---|---|---|");
        foreach (var m in methods)
        {
            sb.Append(ci, $"| {m} |");
            var cells = genres.Where(g => cell.ContainsKey((m, g))).Select(g => cell[(m, g)]).ToArray();
            foreach (var g in genres)
            {
                sb.Append(cell.TryGetValue((m, g), out var c) ? string.Create(ci, $" {c.In * 100:F2} | {c.Out * 100:F2} |") : " – | – |");
            }

            double ai = cells.Length > 0 ? cells.Average(c => c.In) : double.NaN, ao = cells.Length > 0 ? cells.Average(c => c.Out) : double.NaN;
            string seeds = cells.Length > 0 ? string.Join("/", cells.Select(c => c.Seeds).Distinct()) : "0";
            sb.AppendLine(ci, $" {ai * 100:F2} | {ao * 100:F2} | {seeds} | {PerSeed(reports, m, genres)} |");
        }

        sb.AppendLine();
        foreach (var baseline in new[] { "hard-sharing", "single-task" })
        {
            if (!methods.Contains(baseline))
            {
                continue;
            }

            foreach (var m in methods.Where(x => x != baseline))
            {
                // Over the genres both methods have finished (a partial table compares like with like).
                var common = genres.Where(g => cell.ContainsKey((m, g)) && cell.ContainsKey((baseline, g))).ToArray();
                if (common.Length == 0)
                {
                    continue;
                }

                double mi = common.Average(g => cell[(m, g)].In), mo = common.Average(g => cell[(m, g)].Out);
                double bi = common.Average(g => cell[(baseline, g)].In), bo = common.Average(g => cell[(baseline, g)].Out);
                string over = common.Length == genres.Length ? "" : $" (over {string.Join(", ", common)})";
                sb.AppendLine(ci, $"- {m} vs {baseline}: relative error reduction in-domain {ErrorReduction(bi, mi) * 100:F1}%, out-of-domain {ErrorReduction(bo, mo) * 100:F1}%{over}");
            }
        }

        AppendSluiceMatrices(sb, reports);
        return sb.ToString();
    }

    /// <summary>
    /// Over the seeds that have a run for every genre: each seed's average out-of-domain accuracy, then their mean ±
    /// sample standard deviation (how much of a gap between methods is seed noise).
    /// </summary>
    private static string PerSeed(IReadOnlyList<RunReport> reports, string method, string[] genres)
    {
        var ci = CultureInfo.InvariantCulture;
        var perSeed = reports.Where(r => r.Method == method).GroupBy(r => r.Seed)
            .Where(g => genres.All(genre => g.Any(r => r.Environment[TaggingReports.TrainGenreKey] == genre)))
            .Select(g => genres.Average(genre => Scores(g.First(r => r.Environment[TaggingReports.TrainGenreKey] == genre)).Out))
            .ToArray();
        if (perSeed.Length == 0)
        {
            return "–";
        }

        double mean = perSeed.Average();
        double std = perSeed.Length > 1 ? Math.Sqrt(perSeed.Sum(x => (x - mean) * (x - mean)) / (perSeed.Length - 1)) : 0;
        return string.Create(ci, $"{mean * 100:F2} ± {std * 100:F2} ({perSeed.Length})");
    }

    /// <summary>
    /// The fraction of an α matrix's absolute mass that mixes subspaces of different tasks (labels "TASK.s"): 0 for
    /// separate networks, 1 − 1/M for the balanced (hard-sharing) start.
    /// </summary>
    public static double CrossTaskShare(NamedMatrix alpha)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        static string Task(string label) => label.LastIndexOf('.') is var i and > 0 ? label[..i] : label;
        double cross = 0, all = 0;
        for (int r = 0; r < alpha.Values.Length; r++)
        {
            for (int c = 0; c < alpha.Values[r].Length; c++)
            {
                double v = Math.Abs(alpha.Values[r][c]);
                all += v;
                cross += Task(alpha.RowLabels[r]) == Task(alpha.ColumnLabels[c]) ? 0 : v;
            }
        }

        return all > 0 ? cross / all : double.NaN;
    }

    /// <summary>(err_base − err_method) / err_base for accuracies.</summary>
    public static double ErrorReduction(double baselineAccuracy, double methodAccuracy) =>
        (1 - baselineAccuracy) <= 0 ? double.NaN : ((1 - baselineAccuracy) - (1 - methodAccuracy)) / (1 - baselineAccuracy);

    private static void AppendSluiceMatrices(StringBuilder sb, IReadOnlyList<RunReport> reports)
    {
        var ci = CultureInfo.InvariantCulture;
        var sluice = reports.Where(r => r.Method == "sluice").OrderBy(r => r.Environment[TaggingReports.TrainGenreKey], StringComparer.Ordinal).ThenBy(r => r.Seed).ToArray();
        if (sluice.Length == 0)
        {
            return;
        }

        // How much each layer shares: the fraction of |α| that mixes in the other tasks' subspaces.
        var layerNames = sluice[0].Matrices.Where(m => m.Name.StartsWith("alpha layer", StringComparison.Ordinal)).Select(m => m.Name).ToArray();
        if (layerNames.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("### How much each sluice layer shares: Σ|α| across tasks / Σ|α| (mean over seeds)");
            sb.AppendLine();
            sb.AppendLine(ci, $"| training genre | {string.Join(" | ", layerNames)} | seeds |");
            sb.AppendLine(ci, $"|---|{string.Concat(Enumerable.Repeat("---|", layerNames.Length))}---|");
            foreach (var group in sluice.GroupBy(r => r.Environment[TaggingReports.TrainGenreKey]))
            {
                var cells = layerNames.Select(n => group.Select(r => r.Matrices.FirstOrDefault(m => m.Name == n)).OfType<NamedMatrix>().Select(CrossTaskShare).DefaultIfEmpty(double.NaN).Average());
                sb.AppendLine(ci, $"| {group.Key} | {string.Join(" | ", cells.Select(c => (c * 100).ToString("F1", ci) + "%"))} | {group.Count()} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("### Learned α (per layer; rows = receiving subspace) and β of the sluice runs");
        foreach (var r in sluice)
        {
            sb.AppendLine();
            sb.AppendLine(ci, $"**{r.Environment[TaggingReports.TrainGenreKey]}, seed {r.Seed}**");
            foreach (var m in r.Matrices)
            {
                sb.AppendLine(ci, $"- {m.Name} [{string.Join(", ", m.ColumnLabels)}]: {string.Join("; ", m.Values.Select((row, i) => $"{m.RowLabels[i]}: " + string.Join(" ", row.Select(v => v.ToString("F3", ci)))))}");
            }
        }
    }
}
