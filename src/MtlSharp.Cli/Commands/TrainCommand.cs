using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
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

    /// <summary>The configuration file of a run, copied into its folder.</summary>
    public const string ConfigFile = "config.json";

    private readonly Option<string?> _preset = new("--preset") { Description = "Built-in configuration (see 'mtl list'; default synthetic-gumbel)." };
    private readonly Option<string?> _config = new("--config") { Description = "A configuration file (JSON; see the README and mtl-config.schema.json); copied into the run folder." };
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
            _preset, _config, _method, _seed, _threads, _output, _combine, _rho, _genre, _resume,
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
            Option[] own = [_preset, _config, _method, _seed, _output, _combine, _rho, _genre];
            var given = own.Concat(Command.Options.Where(o => !own.Contains(o) && o != _resume && o != _threads && o.Name.StartsWith("--", StringComparison.Ordinal)))
                .Where(o => r.GetResult(o) is System.CommandLine.Parsing.OptionResult { Implicit: false }).Select(o => o.Name).ToArray();
            if (given.Length > 0)
            {
                throw new UsageException($"--resume continues a run exactly as it was started (its run.json); only --threads may be given with it, not {string.Join(", ", given)}");
            }

            return Resume(resumeDir);
        }

        var (doc, config) = Resolve(r);
        string outDir = r.GetValue(_output) ?? DefaultFolder(config, r.GetValue(_seed));
        var args = StoredArgs(r, outDir, doc);
        var plan = Build(r, doc, config);
        if (Cluster.IsRoot)
        {
            PrepareFresh(outDir, args, doc);   // data parallelism: rank 0 writes the run folder
        }

        return Execute(plan, r, outDir, args, resume: false, label: null, dataParallel: true);
    }

    /// <summary>Continues the run in <paramref name="runDir"/> (or reports it finished).</summary>
    public int Resume(string runDir, string? label = null, bool dataParallel = true)
    {
        var args = ReadStoredArgs(runDir);
        if (File.Exists(Path.Combine(runDir, DistillCommand.MarkerFile)))
        {
            throw new UsageException($"{runDir} was trained by 'mtl distill' (its {DistillCommand.MarkerFile}); resuming it would drop the teachers — start the distillation again");
        }

        if (ExperimentRunner.IsComplete(runDir))
        {
            if (Cluster.IsRoot || !dataParallel)
            {
                Console.WriteLine($"{runDir} is finished (its {ExperimentRunner.CompleteFile} is written); nothing to resume.");
                PrintSummary(RunReportJson.Load(Path.Combine(runDir, "report.json")), runDir);
            }

            return 0;
        }

        var r = ParseStored(args, Path.Combine(runDir, RunFile));
        var plan = BuildPlan(r);
        return Execute(plan, r, runDir, args, resume: true, label, dataParallel);
    }

    /// <summary>
    /// Starts a fresh run in <paramref name="outDir"/> from a command line (no resume); <paramref name="adjust"/>
    /// changes the built plan before it trains (<c>mtl distill</c>: teachers, Distral).
    /// </summary>
    public int RunFresh(IReadOnlyList<string> args, string outDir, string? label = null, bool dataParallel = true, Func<RunPlan, RunPlan>? adjust = null)
    {
        var r = ParseStored([.. args], "mtl reproduce");
        var (doc, config) = Resolve(r);
        var plan = Build(r, doc, config);
        plan = adjust?.Invoke(plan) ?? plan;
        if (Cluster.IsRoot || !dataParallel)
        {
            PrepareFresh(outDir, [.. args], doc);
        }

        return Execute(plan, r, outDir, [.. args], resume: false, label, dataParallel);
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

    /// <summary>The default folder of a run: runs/NAME-METHOD[-GENRE]-sSEED.</summary>
    private static string DefaultFolder(RunConfig config, int seed) =>
        config.Data is EwtSource ewt
            ? Path.Combine("runs", $"{config.Name}-{config.Method}-{ewt.TrainGenre}-s{seed}")
            : Path.Combine("runs", $"{config.Name}-{config.Method}-s{seed}");

    /// <summary>The run's configuration document: <c>--config FILE</c> or the built-in <c>--preset</c>.</summary>
    public ConfigDocument Document(ParseResult r)
    {
        string? file = r.GetValue(_config);
        string? preset = r.GetValue(_preset);
        if (file is not null && preset is not null)
        {
            throw new UsageException("--config and --preset are exclusive: a run has one configuration");
        }

        if (file is not null)
        {
            return ConfigDocument.Load(file);
        }

        preset ??= DefaultPreset;
        if (!BuiltInConfigs.Contains(preset))
        {
            throw new UsageException($"unknown preset '{preset}'; expected one of: {string.Join(", ", BuiltInConfigs.Names)}");
        }

        return BuiltInConfigs.Load(preset);
    }

    /// <summary>The preset <c>mtl train</c> runs when given none.</summary>
    public const string DefaultPreset = "synthetic-gumbel";

    /// <summary>The method named on the command line (or the document's default), checked.</summary>
    private string Method(ConfigDocument doc, ParseResult r)
    {
        string method = r.GetValue(_method) ?? doc.DefaultMethod;
        var methods = doc.Methods.Count > 0 ? doc.Methods : [ConfigDocument.NoMethod];
        if (!methods.Contains(method))
        {
            throw new UsageException($"unknown method '{method}' for {doc.Name}; expected one of: {string.Join(", ", methods)}");
        }

        return method;
    }

    /// <summary>The run's command line as stored: configuration, method, seed, explicit options, full paths.</summary>
    private List<string> StoredArgs(ParseResult r, string outDir, ConfigDocument doc)
    {
        var args = new List<string>();
        if (r.GetValue(_config) is not null)
        {
            args.AddRange(["--config", Path.GetFullPath(Path.Combine(outDir, ConfigFile))]);
        }
        else
        {
            args.AddRange(["--preset", r.GetValue(_preset) ?? DefaultPreset]);
        }

        args.AddRange(["--method", Method(doc, r), "--seed", r.GetValue(_seed).ToString(CultureInfo.InvariantCulture), "--out", Path.GetFullPath(outDir)]);
        foreach (var o in new Option[] { _genre, _combine, _rho })
        {
            if (r.GetResult(o) is System.CommandLine.Parsing.OptionResult { Implicit: false } res)
            {
                args.Add(o.Name);
                args.AddRange(res.Tokens.Select(t => t.Value));
            }
        }

        Run.CopyExplicit(r, args);
        return args;
    }

    /// <summary>Builds the run (strings become types here): configuration, method, command-line overrides.</summary>
    public RunPlan BuildPlan(ParseResult r)
    {
        var (doc, config) = Resolve(r);
        return Build(r, doc, config);
    }

    private RunPlan Build(ParseResult r, ConfigDocument doc, RunConfig config)
    {
        // A configuration file is named by its path, a preset by its name.
        string source = r.GetValue(_config) is not null ? doc.Source : config.Name;
        try
        {
            return ConfigRunBuilder.Build(config, r.GetValue(_seed), r.GetValue(Run.Scale));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"{source}: a size in the configuration is too large ({e.Message})", e);
        }
        catch (OutOfMemoryException e)
        {
            // Sizes come from the configuration; an allocation it asks for that cannot be had is its error, not a crash.
            throw new InvalidDataException($"{source}: the run needs more memory than is available; check the data and model sizes ({e.Message})", e);
        }
    }

    /// <summary>The document and the typed configuration of the method with the command line's overrides.</summary>
    public (ConfigDocument Document, RunConfig Config) Resolve(ParseResult r)
    {
        Run.Validate(r);
        var doc = Document(r);
        string method = Method(doc, r);
        string data = r.GetValue(Run.Data)!;
        var overrides = Overrides(r, doc.ResolveWithoutFiles(method, null));   // usage errors before data errors
        return (doc, doc.Resolve(method, overrides.Count > 0 ? overrides : null, data));
    }

    /// <summary>The command line's options as a merge patch of the configuration (usage errors for misplaced options).</summary>
    private JsonObject Overrides(ParseResult r, RunConfig config)
    {
        var patch = new JsonObject();
        JsonObject Section(string name) => patch[name] as JsonObject ?? (JsonObject)(patch[name] = new JsonObject());
        bool Given(Option o) => r.GetResult(o) is System.CommandLine.Parsing.OptionResult { Implicit: false };
        var defaultSampler = config.Strategy.Sampler ?? ConfigRunBuilder.DefaultSampler(config);
        Run.Strategies(r, defaultSampler);
        // A named strategy replaces the configuration's (and its options, ConfigDocument.ApplyPatch).
        (Option Option, string? Value, string Key)[] named =
        [
            (Run.Sampler, r.GetValue(Run.Sampler), "sampler"),
            (Run.Aggregator, r.GetValue(Run.Aggregator), "aggregator"),
            (Run.Weighting, r.GetValue(Run.Weighting), "weighting"),
        ];
        foreach (var (option, value, key) in named)
        {
            if (Given(option))
            {
                var (name, options) = RunOptionSet.NameAndOptions(value!);
                Section("strategy")[key] = name;
                Section("strategy")[key + "Options"] = MergePatch.Numbers(options);
            }
        }

        if (Given(Run.Gradients))
        {
            string g = r.GetValue(Run.Gradients)!;
            if (g is not ("parameters" or "representation"))
            {
                throw new UsageException($"--gradients must be parameters or representation, got '{g}'");
            }

            Section("strategy")["gradients"] = g;
        }

        if (Given(Run.SamplingTemperature))
        {
            Section("strategy")["samplingTemperature"] = r.GetValue(Run.SamplingTemperature);
        }

        if (Given(Run.Aggregator) && r.GetValue(Run.Aggregator) != "none" && config.Strategy.Weighting is not null && !Given(Run.Weighting))
        {
            Section("strategy")["weighting"] = null;
        }

        bool tagger = config.Model is TaggerModelSpec;
        if (config.Model is RoutedModelSpec routed)
        {
            if (Given(_combine))
            {
                Section("model")["combine"] = Names.Combines.First(kv => kv.Value == Names.Parse(Names.Combines, r.GetValue(_combine)!, "combine mode")).Key;
            }

            if (Given(Run.Budget) && routed.Budget is not null)
            {
                Section("model")["budget"] = r.GetValue(Run.Budget);
            }

            if (Given(_rho) && config.Data is SyntheticSource)
            {
                Section("data")["rho"] = r.GetValue(_rho);
            }
        }
        else if (Given(_combine))
        {
            throw new UsageException("--combine applies to routed models only");
        }

        if (Given(_genre))
        {
            string genre = r.GetValue(_genre)!;
            if (config.Data is not EwtSource)
            {
                throw new UsageException("--genre applies to UD English-EWT data only");
            }

            if (!UdEnglishEwt.Genres.Contains(genre) && genre != EwtCorpus.AllGenres)
            {
                throw new UsageException($"unknown genre '{genre}'; expected one of: {string.Join(", ", UdEnglishEwt.Genres)}, {EwtCorpus.AllGenres}");
            }

            Section("data")["trainGenre"] = genre;
        }

        Run.Tagging.Patch(r, Section, tagger);
        foreach (string key in patch.Select(kv => kv.Key).ToArray())
        {
            if (patch[key] is JsonObject { Count: 0 })
            {
                patch.Remove(key);
            }
        }

        return patch;
    }

    /// <summary>A fresh run: its command line is written into the (new or reused) run folder.</summary>
    private void PrepareFresh(string outDir, IReadOnlyList<string> args, ConfigDocument doc)
    {
        if (File.Exists(outDir))
        {
            throw new UsageException($"--out '{outDir}' is an existing file, not a folder");
        }

        // Leftovers of an earlier run in the folder are removed by ExperimentRunner when the fresh run starts.
        Directory.CreateDirectory(outDir);
        int at = args.ToList().IndexOf("--config");
        if (at >= 0)
        {
            // The run keeps its own copy: --resume, eval and reproduce rebuild it even if the user's file changes.
            string copy = args[at + 1];
            if (!File.Exists(copy) || File.ReadAllText(copy) != doc.Text)
            {
                MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(copy, new System.Text.UTF8Encoding(false).GetBytes(doc.Text));
            }
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredRun([.. args]), CliJsonContext.Default.StoredRun);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(outDir, RunFile), json);
    }

    private int Execute(RunPlan plan, ParseResult r, string outDir, IReadOnlyList<string> args, bool resume, string? label, bool dataParallel)
    {
        // Under mpirun, a run of its own is data-parallel over every process; a sweep's runs are one process each.
        var reducer = dataParallel ? Cluster.Reducer() : null;
        bool root = reducer is null || reducer.Rank == 0;
        var config = JsonSerializer.SerializeToElement(new StoredRun([.. args]), CliJsonContext.Default.StoredRun);
        using var cancel = CtrlC.Install();
        if (reducer is not null)
        {
            // Processes reach the training at different times (loading data, rank 0 preparing the run folder); the
            // training's collectives are timed (MTL_MPI_TIMEOUT), so they start together.
            Cluster.Session!.WaitForAll();
            if (root && MpiStopNotice.Hint() is { } hint)
            {
                Console.Error.WriteLine(hint);
            }
        }

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
            GradientReducer = reducer,
            Relationships = Run.Relationships(r),
        }, cancel.Token);
        if (root)
        {
            progress.ClearBar();
            PrintSummary(report, outDir);
        }

        // Under data parallelism a process may stop because another was asked to: the run says it was cancelled.
        bool cancelled = cancel.Token.IsCancellationRequested || (report.Environment.TryGetValue("cancelled", out var c) && c == "yes");
        Cluster.StoppedTogether = cancelled && reducer is not null;
        return cancelled ? Cluster.CancelledCode : 0;
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
            string active = report.ActiveFraction is { } a ? string.Create(ci, $"active connections {a * 100:F1}%; ") : "";
            Console.WriteLine(string.Create(ci, $"  mean test {report.MeanTest:G5}; {active}{report.UpdatesPerSecond:F0} updates/s over {report.TrainSeconds:F1} s"));
            foreach (var mat in report.Matrices)
            {
                // Expert mixtures: the mean gate weights on the test rows, one line per gate (experts it can choose).
                Console.WriteLine($"  {mat.Name}, test mean:");
                for (int i = 0; i < mat.Values.Length; i++)
                {
                    Console.WriteLine($"    {mat.RowLabels[i],-16} {string.Join(" ", mat.Values[i].Select((v, j) => (v, j)).Where(c => c.v != 0).Select(c => mat.ColumnLabels[c.j] + " " + c.v.ToString("F3", ci)))}");
                }
            }
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
