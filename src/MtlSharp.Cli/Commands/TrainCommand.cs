using System.CommandLine;
using System.Globalization;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.Cli.Commands;

/// <summary><c>mtl train</c>: one run of a preset with one method and seed.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Experiment preset (see 'mtl list').", DefaultValueFactory = _ => "synthetic-gumbel" };
        var method = new Option<string?>("--method") { Description = "Routing method (default: the preset's headline method)." };
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 0 };
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var output = new Option<string?>("--out") { Description = "Output folder (default: runs/<preset>-<method>-s<seed>)." };
        var combine = CommonOptions.Combine();
        var scale = CommonOptions.Scale();
        var rho = CommonOptions.Rho();
        var budget = CommonOptions.Budget();
        var genre = new Option<string>("--genre") { Description = "Tagging presets: the training genre (answers, email, newsgroup, reviews, weblog; all = the whole of EWT).", DefaultValueFactory = _ => "answers" };
        var tagging = new TaggingOptions();
        var cmd = new Command("train", "Train one preset/method/seed; writes report.json, report.html and checkpoints.")
        {
            preset, method, seed, data, threads, output, combine, scale, rho, budget, genre,
        };
        tagging.AddTo(cmd);
        cmd.SetAction(r =>
        {
            CommonOptions.ApplyThreads(r.GetValue(threads));
            string presetName = r.GetValue(preset)!;
            if (TaggingCommands.IsTaggingPreset(presetName))
            {
                return TaggingCommands.Train(presetName, r.GetValue(method), r.GetValue(seed), r.GetValue(genre)!, r.GetValue(output),
                    tagging.Settings(r, r.GetValue(data)!, r.GetValue(scale)));
            }

            var p = Names.Parse(Names.Presets, r.GetValue(preset)!, "preset");
            string? mName = r.GetValue(method);
            var m = mName is null ? GumbelExperiments.DefaultMethod(p) : Names.Parse(Names.Methods, mName, "method");
            int s = r.GetValue(seed);
            string outDir = r.GetValue(output) ?? Path.Combine("runs", $"{ExperimentRunner.Name(p)}-{ExperimentRunner.Name(m)}-s{s}");
            var settings = new ExperimentSettings
            {
                Seed = s,
                DataDirectory = r.GetValue(data),
                Combine = Names.Parse(Names.Combines, r.GetValue(combine)!, "combine mode"),
                ScheduleScale = r.GetValue(scale),
                Rho = r.GetValue(rho),
                Budget = r.GetValue(budget),
                CheckpointDirectory = Path.Combine(outDir, "checkpoints"),
            };
            return RunOne(p, m, settings, outDir);
        });
        return cmd;
    }

    /// <summary>Builds, trains with progress and Ctrl-C handling, prints the summary; returns the exit code.</summary>
    public static int RunOne(PresetId p, RoutingMethod m, ExperimentSettings settings, string outDir, string? label = null)
    {
        var setup = GumbelExperiments.Build(p, m, settings);
        setup = setup with
        {
            Options = setup.Options with
            {
                CheckpointTags = new Dictionary<string, string>
                {
                    ["preset"] = ExperimentRunner.Name(p),
                    ["method"] = ExperimentRunner.Name(m),
                    ["seed"] = settings.Seed.ToString(CultureInfo.InvariantCulture),
                    ["combine"] = settings.Combine.ToString(),
                    ["rho"] = settings.Rho.ToString(CultureInfo.InvariantCulture),
                    ["budget"] = settings.Budget.ToString(CultureInfo.InvariantCulture),
                },
            },
        };
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("\nstopping: finishing the current update, saving the last checkpoint and the report…");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var progress = new ConsoleProgress(label ?? $"{ExperimentRunner.Name(p)}/{ExperimentRunner.Name(m)} seed {settings.Seed}");
            var report = ExperimentRunner.Run(setup, settings.Seed, outDir, progress, cts.Token);
            progress.ClearBar();
            PrintSummary(report, outDir);
            return cts.IsCancellationRequested ? 130 : 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static void PrintSummary(RunReport report, string outDir)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (var t in report.Tasks)
        {
            Console.WriteLine(string.Create(ci, $"  {t.Name,-20} test {t.Metric} {t.Test:G5}{(t.Valid is { } v ? $"  valid {v:G5}" : "")}"));
        }

        Console.WriteLine(string.Create(ci, $"  mean test {report.MeanTest:G5}; active connections {report.ActiveFraction * 100:F1}%; {report.UpdatesPerSecond:F0} updates/s over {report.TrainSeconds:F1} s"));
        if (report.Allocation is { } alloc)
        {
            for (int l = 0; l < alloc.Count; l++)
            {
                Console.WriteLine($"  layer {l} allocation: {string.Join(" ", alloc[l].Select(row => "[" + string.Join("", row) + "]"))}");
            }
        }

        if (report.Clusters is { } clusters)
        {
            Console.WriteLine($"  clusters: {string.Join("  ", clusters.Select(c => "{" + string.Join(", ", c) + "}"))}");
        }

        Console.WriteLine($"  wrote {Path.Combine(outDir, "report.json")} and report.html");
    }
}
