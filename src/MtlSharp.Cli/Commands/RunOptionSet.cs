using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// The per-run options that <c>mtl train</c> and <c>mtl reproduce</c> share (data, schedule scale, budget, tagging
/// switches, checkpoint frequency). A run's command line is kept in its <c>run.json</c> so <c>--resume</c> and
/// <c>mtl eval</c> rebuild exactly the same run.
/// </summary>
internal sealed class RunOptionSet
{
    public Option<string> Data { get; } = CommonOptions.Data();

    public Option<double> Scale { get; } = CommonOptions.Scale();

    public Option<float> Budget { get; } = CommonOptions.Budget();

    public Option<long> CheckpointEvery { get; } = new("--checkpoint-every") { Description = "Also save the resumable state every N updates (default: by time only).", DefaultValueFactory = _ => 0 };

    public Option<double> CheckpointSeconds { get; } = new("--checkpoint-seconds") { Description = "Save the resumable state every S seconds of training (default 120; 0 = only at evaluations and the end).", DefaultValueFactory = _ => 120 };

    public Option<bool> NoTensorBoard { get; } = new("--no-tensorboard") { Description = "Do not write TensorBoard event files." };

    public Option<string?> Sampler { get; } = new("--sampler") { Description = "Tasks per step: rounds (one task per step, each once per round; routed presets' default), all (every task every step; taggers' default), uniform, proportional (to training-set size), temperature (p ∝ n^(1/T)), adaptive (tasks lagging their validation target drawn more; adaptive:tau=0.1,target.TASK=value)." };

    public Option<double> SamplingTemperature { get; } = new("--sampling-temperature") { Description = "T of --sampler temperature (default 2).", DefaultValueFactory = _ => 2.0 };

    public Option<string> Aggregator { get; } = new("--aggregator") { Description = "Combine the per-task gradients of the shared parameters instead of summing the losses: none (default), mean, pcgrad, mgda, cagrad, upgrad, imtlg, alignedmtl, config, graddrop, nashmtl, fairgrad, gradvac, gradnorm, dbmtl or great, with options as NAME:key=value,… (see 'mtl list'); needs --sampler all; --gradients representation takes them over the shared representation.", DefaultValueFactory = _ => "none" };

    public Option<string?> Weighting { get; } = new("--weighting") { Description = "Scalarise the task losses with a loss weighting: fixed (λ = 1; taggers' default), uncertainty, gls, imtl-l, rlw, dwa, dbmtl-log, stch or famo, with options as NAME:key=value,… (see 'mtl list'); the routed presets' default is the plain sum (as fixed); not with --aggregator." };

    public TaggingOptions Tagging { get; } = new();

    /// <summary>--gradients.</summary>
    public Option<string?> Gradients { get; } = new("--gradients") { Description = "Where the aggregator's per-task gradients are taken: parameters (default: the shared parameters) or representation (the shared representation every head reads; with --aggregator mgda this is MGDA-UB; needs a shared-bottom model and tasks over the same rows)." };

    /// <summary>--affinity-stats.</summary>
    public Option<long> AffinityStats { get; } = new("--affinity-stats") { Description = "Every N updates, measure the per-task gradients of the shared parameters: per shared layer the pairwise cosine, the fraction of conflicting pairs and the magnitude similarity (report, metrics.jsonl, TensorBoard), and a task × task cosine matrix per third of training; needs a sampler that puts several tasks in an update (--sampler all).", DefaultValueFactory = _ => 0 };

    /// <summary>--affinity.</summary>
    public Option<long> Affinity { get; } = new("--affinity") { Description = "Every N updates, TAG's lookahead inter-task affinity Z(i→j) = 1 − L_j(after an SGD step of the shared parameters on task i's gradient) / L_j(before), on the update's batch; averaged into a task × task matrix in the report (needs --sampler all).", DefaultValueFactory = _ => 0 };

    /// <summary>--affinity-lr.</summary>
    public Option<float?> AffinityLearningRate { get; } = new("--affinity-lr") { Description = "Step size of the lookahead (default: the optimizer's current learning rate)." };

    private Option[] Shared => [Scale, Budget, CheckpointEvery, CheckpointSeconds, NoTensorBoard, Sampler, SamplingTemperature, Aggregator, Weighting, Gradients, AffinityStats, Affinity, AffinityLearningRate, .. Tagging.All];

    /// <summary>The relationship measurements asked for (null: none).</summary>
    public MtlSharp.MultiTask.Training.Callbacks.RelationshipOptions? Relationships(ParseResult r)
    {
        long stats = r.GetValue(AffinityStats), affinity = r.GetValue(Affinity);
        float? lr = r.GetValue(AffinityLearningRate);
        if (stats < 0 || affinity < 0)
        {
            throw new UsageException("--affinity-stats and --affinity take a number of updates (0 or more)");
        }

        if (lr is { } l && !(l > 0 && float.IsFinite(l)))
        {
            throw new UsageException($"--affinity-lr must be a positive number, got {l.ToString(CultureInfo.InvariantCulture)}");
        }

        return stats == 0 && affinity == 0 ? null : new() { GradientEvery = stats, AffinityEvery = affinity, AffinityLearningRate = lr };
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        foreach (var o in Shared)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>Appends every shared option given explicitly on <paramref name="r"/> to <paramref name="args"/> (data as a full path).</summary>
    public void CopyExplicit(ParseResult r, List<string> args)
    {
        args.Add(Data.Name);
        args.Add(Path.GetFullPath(r.GetValue(Data)!));
        foreach (var o in Shared)
        {
            if (r.GetResult(o) is OptionResult { Implicit: false } res)
            {
                args.Add(o.Name);
                args.AddRange(res.Tokens.Select(t => t.Value));
            }
        }
    }

    /// <summary>Checks the values every family shares.</summary>
    public void Validate(ParseResult r)
    {
        double scale = r.GetValue(Scale);
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new UsageException($"--scale must be a positive number, got {scale.ToString(CultureInfo.InvariantCulture)}");
        }

        if (r.GetValue(CheckpointEvery) < 0 || !(r.GetValue(CheckpointSeconds) >= 0))
        {
            throw new UsageException("--checkpoint-every and --checkpoint-seconds must not be negative");
        }

        double t = r.GetValue(SamplingTemperature);
        if (!(t > 0) || double.IsInfinity(t))
        {
            throw new UsageException($"--sampling-temperature must be a positive number, got {t.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>
    /// The sampler, aggregator and loss weighting chosen on the command line (<paramref name="defaultSampler"/> when
    /// no sampler is named; a null weighting when none is named, the preset's default).
    /// </summary>
    public (SamplerKind Sampler, AggregatorKind Aggregator, LossWeightingKind? Weighting) Strategies(ParseResult r, SamplerKind defaultSampler)
    {
        var sampler = r.GetValue(Sampler) is { } name ? Names.Parse(Names.Samplers, NameAndOptions(name).Name, "sampler") : defaultSampler;
        var aggregator = Names.Parse(Names.Aggregators, NameAndOptions(r.GetValue(Aggregator)!).Name, "aggregator");
        if (aggregator != AggregatorKind.None && sampler != SamplerKind.All)
        {
            throw new UsageException($"--aggregator {r.GetValue(Aggregator)} combines the gradients of several tasks in one step, but --sampler {Names.Samplers.First(kv => kv.Value == sampler).Key} trains one task per step; use --sampler all");
        }

        LossWeightingKind? weighting = r.GetValue(Weighting) is { } w ? Names.Parse(Names.Weightings, NameAndOptions(w).Name, "loss weighting") : null;
        if (weighting is not null && aggregator != AggregatorKind.None)
        {
            throw new UsageException($"--weighting {r.GetValue(Weighting)} and --aggregator {r.GetValue(Aggregator)} are exclusive: an aggregator combines the unweighted per-task gradients; choose one");
        }

        return (sampler, aggregator, weighting);
    }

    /// <summary>
    /// Splits "name:key=value,key=value" into the strategy's name and its options (a usage error when an option is
    /// not key=number; unknown keys are rejected when the strategy is built, naming the ones it takes).
    /// </summary>
    public static (string Name, IReadOnlyDictionary<string, double> Options) NameAndOptions(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (value, new Dictionary<string, double>());
        }

        string name = value[..colon];
        try
        {
            return (name, MtlSharp.MultiTask.Strategies.StrategyOptions.Parse(value[(colon + 1)..], name).Values);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
