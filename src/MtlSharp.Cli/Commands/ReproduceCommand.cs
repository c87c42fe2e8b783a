using System.CommandLine;
using System.Globalization;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl reproduce &lt;preset&gt; --seeds N</c>: every method × seed, then the paper-style table.</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Argument<string>("preset") { Description = "Experiment preset (see 'mtl list')." };
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds (0 … N−1).", DefaultValueFactory = _ => 5 };
        var firstSeed = new Option<int>("--first-seed") { Description = "First seed.", DefaultValueFactory = _ => 0 };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated methods (default: all of the preset's)." };
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Output folder (default: runs/reproduce-<preset>)." };
        var combine = new Option<string>("--combine") { Description = "'mean', 'sum', or 'both' (every method run both ways).", DefaultValueFactory = _ => "mean" };
        var scale = CommonOptions.Scale();
        var rhos = new Option<string>("--rho") { Description = "Comma-separated ρ values (synthetic-transfer).", DefaultValueFactory = _ => "0,1" };
        var genres = new Option<string?>("--genres") { Description = "Tagging presets: comma-separated training genres (default: all five)." };
        var tableOnly = new Option<bool>("--table-only") { Description = "Tagging presets: only tabulate the finished runs under --out; train nothing." };
        var tagging = new TaggingOptions();
        var cmd = new Command("reproduce", "Run every method × seed of a preset and write table.json and table.md; runs that already have a report.json are reused (resume).")
        {
            preset, seeds, firstSeed, methods, data, threads, output, combine, scale, rhos, genres, tableOnly,
        };
        tagging.AddTo(cmd);
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            if (TaggingCommands.IsTaggingPreset(r.GetValue(preset)!))
            {
                return TaggingCommands.Reproduce(r.GetValue(preset)!, r.GetValue(seeds), r.GetValue(firstSeed), r.GetValue(methods),
                    r.GetValue(genres), r.GetValue(output), tagging.Settings(r, r.GetValue(data)!, r.GetValue(scale)), r.GetValue(tableOnly));
            }

            var p = Names.Parse(Names.Presets, r.GetValue(preset)!, "preset");
            var ms = r.GetValue(methods) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => Names.Parse(Names.Methods, x, "method")).ToArray()
                : [.. GumbelExperiments.MethodsOf(p)];
            string combineArg = r.GetValue(combine)!;
            var combines = combineArg == "both" ? Names.Combines.Values.ToArray() : [Names.Parse(Names.Combines, combineArg, "combine mode")];
            double[] rhoValues = p == MtlSharp.MultiTask.Experiments.PresetId.SyntheticTransfer
                ? r.GetValue(rhos)!.Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()
                : [1.0];
            int n = r.GetValue(seeds), first = r.GetValue(firstSeed);
            string outRoot = r.GetValue(output) ?? Path.Combine("runs", $"reproduce-{ExperimentRunner.Name(p)}");
            var runs = new List<(string Variant, RunReport Report)>();
            int total = ms.Length * combines.Length * rhoValues.Length * n, k = 0;
            foreach (double rho in rhoValues)
            {
                foreach (var c in combines)
                {
                    foreach (var m in ms)
                    {
                        for (int s = first; s < first + n; s++)
                        {
                            k++;
                            string variant = string.Join(",", new[]
                            {
                                rhoValues.Length > 1 ? string.Create(CultureInfo.InvariantCulture, $"rho={rho}") : null,
                                combines.Length > 1 || c != MtlSharp.MultiTask.Models.Routing.CombineMode.Mean ? $"combine={c.ToString().ToLowerInvariant()}" : null,
                            }.OfType<string>());
                            string dir = Path.Combine(outRoot, $"{ExperimentRunner.Name(m)}{(variant.Length > 0 ? "-" + variant.Replace("=", "", StringComparison.Ordinal).Replace(',', '-') : "")}-s{s}");
                            var settings = new ExperimentSettings
                            {
                                Seed = s, DataDirectory = r.GetValue(data), Combine = c, ScheduleScale = r.GetValue(scale), Rho = rho,
                                CheckpointDirectory = Path.Combine(dir, "checkpoints"),
                            };
                            string existing = Path.Combine(dir, "report.json");
                            if (File.Exists(existing))
                            {
                                // Resume: a finished run (its report is written last) is not trained again.
                                Console.WriteLine($"[{k}/{total}] {ExperimentRunner.Name(m)} {variant} seed {s}: using the finished run in {dir}");
                            }
                            else
                            {
                                int code = TrainCommand.RunOne(p, m, settings, dir, $"{k}/{total} {ExperimentRunner.Name(m)} {variant} seed {s}");
                                if (code != 0)
                                {
                                    return code;
                                }
                            }

                            runs.Add((variant, RunReportJson.Load(Path.Combine(dir, "report.json"))));
                        }
                    }
                }
            }

            var rows = ReproductionTable.Aggregate(runs, ExpectedGroups(p));
            ReproductionTable.Save(outRoot, ExperimentRunner.Name(p), rows);
            Console.WriteLine();
            Console.WriteLine(ReproductionTable.ToMarkdown(ExperimentRunner.Name(p), rows));
            Console.WriteLine($"wrote {Path.Combine(outRoot, "table.md")} and table.json");
            return 0;
        });
        return cmd;
    }

    /// <summary>Tasks that should end with the same allocation: the related pairs / the copies of a dataset.</summary>
    private static IReadOnlyList<int[]> ExpectedGroups(MtlSharp.MultiTask.Experiments.PresetId p) => p switch
    {
        MtlSharp.MultiTask.Experiments.PresetId.SyntheticGumbel or MtlSharp.MultiTask.Experiments.PresetId.Mnist4 => [[0, 1], [2, 3]],
        _ => [[0, 1]],
    };
}
