using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl train</c>: one run of a preset with one method and seed, through the one training loop, or
/// <c>mtl train --resume RUN_DIR</c>: the interrupted run in RUN_DIR continued from its last checkpoint with the
/// command line kept in its <c>run.json</c>. Also the place where every run's command line becomes a
/// <see cref="RunPlan"/> (for <c>reproduce</c> and <c>eval</c> too).
/// </summary>
internal sealed class TrainCommand
{
    /// <summary>The command line of a run, kept in the run folder.</summary>
    public const string RunFile = "run.json";

    private readonly Option<string> _preset = new("--preset") { Description = "Experiment preset (see 'mtl list').", DefaultValueFactory = _ => "synthetic-gumbel" };
    private readonly Option<string?> _method = new("--method") { Description = "Method (default: the preset's headline method)." };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed.", DefaultValueFactory = _ => 0 };
    private readonly Option<int?> _threads = CommonOptions.Threads();
    private readonly Option<string?> _output = new("--out") { Description = "Output folder (default: runs/<preset>-<method>[-<genre>]-s<seed>)." };
    private readonly Option<string> _combine = CommonOptions.Combine();
    private readonly Option<double> _rho = CommonOptions.Rho();
    private readonly Option<string> _genre = new("--genre") { Description = "Tagging presets: the training genre (answers, email, newsgroup, reviews, weblog; all = the whole of EWT).", DefaultValueFactory = _ => "answers" };
    private readonly Option<string?> _resume = new("--resume") { Description = "Continue the interrupted run in this folder from its last checkpoint (its run.json gives everything else)." };

    private TrainCommand()
    {
        Command = new Command("train", "Train one preset/method/seed; writes report.json, report.html, checkpoints, metrics.jsonl and TensorBoard events.")
        {
            _preset, _method, _seed, _threads, _output, _combine, _rho, _genre, _resume,
        };
        Run.AddTo(Command);
        Command.SetAction(Invoke);
    }

    /// <summary>The one instance.</summary>
    public static TrainCommand Instance { get; } = new();

    /// <summary>The command.</summary>
    public Command Command { get; }

    /// <summary>The per-run options.</summary>
    public RunOptionSet Run { get; } = new();

    /// <summary>Parses a stored run command line (run.json) with this command's options.</summary>
    public ParseResult ParseStored(IReadOnlyList<string> args, string source)
    {
        var r = Command.Parse([.. args]);
        if (r.Errors.Count > 0)
        {
            throw new InvalidDataException($"{source}: the stored command line does not parse: {r.Errors[0].Message}");
        }

        return r;
    }

    private int Invoke(ParseResult r)
    {
        CommonOptions.ApplyThreads(r.GetValue(_threads));
        if (r.GetValue(_resume) is { } resumeDir)
        {
            Option[] own = [_preset, _method, _seed, _output, _combine, _rho, _genre];
            var given = own.Concat(Command.Options.Where(o => !own.Contains(o) && o != _resume && o != _threads && o.Name.StartsWith("--", StringComparison.Ordinal)))
                .Where(o => r.GetResult(o) is System.CommandLine.Parsing.OptionResult { Implicit: false }).Select(o => o.Name).ToArray();
            if (given.Length > 0)
            {
                throw new UsageException($"--resume continues a run exactly as it was started (its run.json); only --threads may be given with it, not {string.Join(", ", given)}");
            }

            return Resume(resumeDir);
        }

        string outDir = r.GetValue(_output) ?? DefaultFolder(r);
        var args = StoredArgs(r, outDir);
        var plan = BuildPlan(r);
        PrepareFresh(outDir, args);
        return Execute(plan, r, outDir, args, resume: false, label: null);
    }

    /// <summary>Continues the run in <paramref name="runDir"/> (or reports it finished).</summary>
    public int Resume(string runDir, string? label = null)
    {
        var args = ReadStoredArgs(runDir);
        if (ExperimentRunner.IsComplete(runDir))
        {
            Console.WriteLine($"{runDir} is finished (its {ExperimentRunner.CompleteFile} is written); nothing to resume.");
            PrintSummary(RunReportJson.Load(Path.Combine(runDir, "report.json")), runDir);
            return 0;
        }

        var r = ParseStored(args, Path.Combine(runDir, RunFile));
        var plan = BuildPlan(r);
        return Execute(plan, r, runDir, args, resume: true, label);
    }

    /// <summary>Starts a fresh run in <paramref name="outDir"/> from a command line (no resume).</summary>
    public int RunFresh(IReadOnlyList<string> args, string outDir, string? label = null)
    {
        var r = ParseStored([.. args], "mtl reproduce");
        var plan = BuildPlan(r);
        PrepareFresh(outDir, [.. args]);
        return Execute(plan, r, outDir, [.. args], resume: false, label);
    }

    /// <summary>The stored command line of a run folder.</summary>
    public static string[] ReadStoredArgs(string runDir)
    {
        string path = Path.Combine(runDir, RunFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{runDir} is not a run folder: {RunFile} is missing.", path);
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.GetProperty("args").EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException($"{path}: a null argument.")).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: expected {{\"args\": [\"--preset\", …]}} ({e.Message}).", e);
        }
    }

    /// <summary>The default folder of a run.</summary>
    private string DefaultFolder(ParseResult r)
    {
        string preset = r.GetValue(_preset)!;
        Names.CheckPreset(preset);
        string method = r.GetValue(_method) ?? DefaultMethod(preset);
        int seed = r.GetValue(_seed);
        return Names.TaggingPresets.ContainsKey(preset)
            ? Path.Combine("runs", $"{preset}-{method}-{r.GetValue(_genre)}-s{seed}")
            : Path.Combine("runs", $"{preset}-{method}-s{seed}");
    }

    /// <summary>The headline method of a preset.</summary>
    public static string DefaultMethod(string preset) =>
        Names.TaggingPresets.ContainsKey(preset)
            ? TaggingExperiments.Name(MtlSharp.MultiTask.Models.Tagging.TaggingMethod.Sluice)
            : GumbelExperiments.Name(GumbelExperiments.DefaultMethod(Names.Parse(Names.RoutedPresets, preset, "preset")));

    /// <summary>The run's command line as stored: preset, method, seed, genre/combine/rho, explicit options, full paths.</summary>
    private List<string> StoredArgs(ParseResult r, string outDir)
    {
        string preset = r.GetValue(_preset)!;
        Names.CheckPreset(preset);
        var args = new List<string>
        {
            "--preset", preset,
            "--method", r.GetValue(_method) ?? DefaultMethod(preset),
            "--seed", r.GetValue(_seed).ToString(CultureInfo.InvariantCulture),
            "--out", Path.GetFullPath(outDir),
        };
        if (Names.TaggingPresets.ContainsKey(preset))
        {
            args.AddRange(["--genre", r.GetValue(_genre)!]);
        }
        else
        {
            args.AddRange(["--combine", r.GetValue(_combine)!, "--rho", r.GetValue(_rho).ToString("R", CultureInfo.InvariantCulture)]);
        }

        Run.CopyExplicit(r, args);
        return args;
    }

    /// <summary>Builds the run (strings become types here).</summary>
    public RunPlan BuildPlan(ParseResult r)
    {
        Run.Validate(r);
        string preset = r.GetValue(_preset)!;
        Names.CheckPreset(preset);
        string method = r.GetValue(_method) ?? DefaultMethod(preset);
        int seed = r.GetValue(_seed);
        string data = r.GetValue(Run.Data)!;
        double scale = r.GetValue(Run.Scale);
        if (Names.TaggingPresets.TryGetValue(preset, out var tp))
        {
            string genre = r.GetValue(_genre)!;
            if (!UdEnglishEwt.Genres.Contains(genre) && genre != EwtCorpus.AllGenres)
            {
                throw new UsageException($"unknown genre '{genre}'; expected one of: {string.Join(", ", UdEnglishEwt.Genres)}, {EwtCorpus.AllGenres}");
            }

            var (taggingSampler, taggingAggregator, taggingWeighting) = Run.Strategies(r, SamplerKind.All);
            var settings = Run.Tagging.Settings(r, data, scale) with
            {
                Seed = seed, TrainGenre = genre, Sampler = taggingSampler, SamplingTemperature = r.GetValue(Run.SamplingTemperature), Aggregator = taggingAggregator, Weighting = taggingWeighting,
            };
            return TaggingExperiments.Build(tp, Names.Parse(Names.TaggingMethods, method, "tagging method"), settings);
        }

        var p = Names.Parse(Names.RoutedPresets, preset, "preset");
        var (sampler, aggregator, weighting) = Run.Strategies(r, SamplerKind.Rounds);
        return GumbelExperiments.Build(p, Names.Parse(Names.RoutedMethods, method, "method"), new ExperimentSettings
        {
            Seed = seed,
            DataDirectory = data,
            Combine = Names.Parse(Names.Combines, r.GetValue(_combine)!, "combine mode"),
            ScheduleScale = scale,
            Rho = r.GetValue(_rho),
            Budget = r.GetValue(Run.Budget),
            Sampler = sampler,
            SamplingTemperature = r.GetValue(Run.SamplingTemperature),
            Aggregator = aggregator,
            Weighting = weighting,
        });
    }

    /// <summary>A fresh run: its command line is written into the (new or reused) run folder.</summary>
    private static void PrepareFresh(string outDir, IReadOnlyList<string> args)
    {
        if (File.Exists(outDir))
        {
            throw new UsageException($"--out '{outDir}' is an existing file, not a folder");
        }

        // Leftovers of an earlier run in the folder are removed by ExperimentRunner when the fresh run starts.
        Directory.CreateDirectory(outDir);
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredRun([.. args]), CliJsonContext.Default.StoredRun);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(outDir, RunFile), json);
    }

    private int Execute(RunPlan plan, ParseResult r, string outDir, IReadOnlyList<string> args, bool resume, string? label)
    {
        var config = JsonSerializer.SerializeToElement(new StoredRun([.. args]), CliJsonContext.Default.StoredRun);
        using var cancel = CtrlC.Install();
        var progress = new ConsoleProgress(label ?? $"{plan.Preset}/{plan.Method} seed {plan.Seed}");
        var report = ExperimentRunner.Run(plan, new RunOptions
        {
            OutputDirectory = outDir,
            Resume = resume,
            CheckpointEverySteps = r.GetValue(Run.CheckpointEvery),
            CheckpointEverySeconds = r.GetValue(Run.CheckpointSeconds),
            TensorBoard = !r.GetValue(Run.NoTensorBoard),
            Tags = new Dictionary<string, string>
            {
                ["preset"] = plan.Preset,
                ["method"] = plan.Method,
                ["seed"] = plan.Seed.ToString(CultureInfo.InvariantCulture),
            },
            Config = config,
            Progress = progress,
        }, cancel.Token);
        progress.ClearBar();
        PrintSummary(report, outDir);
        return cancel.Token.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>Prints a routed model's maximum-likelihood allocation, one line per layer ([tasks][components] of 0/1).</summary>
    public static void PrintAllocation(IReadOnlyList<int[][]> allocation)
    {
        for (int l = 0; l < allocation.Count; l++)
        {
            Console.WriteLine($"  layer {l} allocation: {string.Join(" ", allocation[l].Select(row => "[" + string.Join("", row) + "]"))}");
        }
    }

    /// <summary>Prints a run's results.</summary>
    public static void PrintSummary(RunReport report, string outDir)
    {
        var ci = CultureInfo.InvariantCulture;
        var env = report.Environment;
        bool tagging = env.ContainsKey(TaggingReports.TrainGenreKey);
        foreach (var t in report.Tasks)
        {
            Console.WriteLine(tagging
                ? string.Create(ci, $"  {t.Name,-20} test {t.Metric} {t.Test * 100:F2}{(t.Valid is { } d ? $"  dev {d * 100:F2}" : "")}")
                : string.Create(ci, $"  {t.Name,-20} test {t.Metric} {t.Test:G5}{(t.Valid is { } v ? $"  valid {v:G5}" : "")}"));
        }

        if (env.TryGetValue(TaggingReports.TrainGenreKey, out var genre))
        {
            Console.WriteLine(string.Create(ci, $"  {(genre == EwtCorpus.AllGenres ? "all of EWT" : "in-domain")} {double.Parse(env["inDomainTest"], ci) * 100:F2}, out-of-domain {double.Parse(env["outOfDomainTest"], ci) * 100:F2}; best epoch {env["bestEpoch"]} of {env["epochs"]}; {env["tokensPerSecond"]} training tokens/s over {report.TrainSeconds:F1} s"));
            foreach (var mat in report.Matrices)
            {
                Console.WriteLine($"  {mat.Name}: {string.Join("; ", mat.Values.Select((row, i) => mat.RowLabels[i] + " " + string.Join(" ", row.Select(v => v.ToString("F3", ci)))))}");
            }
        }
        else
        {
            Console.WriteLine(string.Create(ci, $"  mean test {report.MeanTest:G5}; active connections {report.ActiveFraction * 100:F1}%; {report.UpdatesPerSecond:F0} updates/s over {report.TrainSeconds:F1} s"));
        }

        if (report.Allocation is { } alloc)
        {
            PrintAllocation(alloc);
        }

        if (report.Clusters is { } clusters)
        {
            Console.WriteLine($"  clusters: {string.Join("  ", clusters.Select(c => "{" + string.Join(", ", c) + "}"))}");
        }

        Console.WriteLine($"  wrote {Path.Combine(outDir, "report.json")} and report.html");
    }
}
