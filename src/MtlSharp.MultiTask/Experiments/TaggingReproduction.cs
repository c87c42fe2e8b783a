using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tagging;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Runs every (training genre × method × seed) of a tagging preset into <c>&lt;root&gt;/&lt;genre&gt;/&lt;method&gt;-s&lt;seed&gt;/</c>,
/// reusing finished runs (a folder with report.json is not run again, so an interrupted reproduction resumes), then
/// writes <c>table.md</c>.
/// </summary>
public static class TaggingReproduction
{
    /// <summary>
    /// Runs what is missing (unless <paramref name="trainMissing"/> is false: then missing runs are only logged, and
    /// the table covers the finished ones) and returns every report, in (genre, method, seed) order.
    /// </summary>
    public static IReadOnlyList<RunReport> Run(
        TaggingPreset preset, IReadOnlyList<string> genres, IReadOnlyList<TaggingMethod> methods, IReadOnlyList<int> seeds,
        TaggingSettings baseSettings, string root, Action<string>? log = null, CancellationToken cancellation = default, bool trainMissing = true)
    {
        ArgumentNullException.ThrowIfNull(genres);
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(baseSettings);
        var reports = new List<RunReport>();
        int total = genres.Count * methods.Count * seeds.Count, k = 0;
        foreach (string g in genres)
        {
            foreach (var m in methods)
            {
                foreach (int s in seeds)
                {
                    k++;
                    cancellation.ThrowIfCancellationRequested();
                    string dir = Path.Combine(root, g, $"{TaggingExperiments.Name(m)}-s{s}");
                    string json = Path.Combine(dir, "report.json");
                    if (File.Exists(json))
                    {
                        reports.Add(RunReportJson.Load(json));
                        log?.Invoke($"[{k}/{total}] {g} {TaggingExperiments.Name(m)} seed {s}: reused {json}");
                        continue;
                    }

                    if (!trainMissing)
                    {
                        log?.Invoke($"[{k}/{total}] {g} {TaggingExperiments.Name(m)} seed {s}: not run yet (left out of the table)");
                        continue;
                    }

                    var settings = baseSettings with { Seed = s, TrainGenre = g };
                    var report = TaggingExperiments.Run(preset, m, settings, dir, log is null ? null : new SyncProgress(log, $"[{k}/{total}] {g} {TaggingExperiments.Name(m)} seed {s}: "), cancellation);
                    var (inD, outD) = TaggingTable.Scores(report);
                    log?.Invoke($"[{k}/{total}] {g} {TaggingExperiments.Name(m)} seed {s}: in-domain {inD * 100:F2}, out-of-domain {outD * 100:F2}, {report.Environment["tokensPerSecond"]} tok/s, {report.TrainSeconds:F0} s");
                    reports.Add(report);
                }
            }
        }

        if (reports.Count == 0)
        {
            throw new InvalidOperationException($"No finished runs under '{root}' for these genres, methods and seeds.");
        }

        Directory.CreateDirectory(root);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(root, "table.md"), new System.Text.UTF8Encoding(false).GetBytes(TaggingTable.ToMarkdown(TaggingExperiments.Name(preset), reports)));
        return reports;
    }

    private sealed class SyncProgress(Action<string> log, string prefix) : IProgress<string>
    {
        public void Report(string value) => log(prefix + value);
    }
}
