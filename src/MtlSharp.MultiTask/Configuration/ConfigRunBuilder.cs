using MtlSharp.MultiTask.Strategies.Aggregation;
using System.Globalization;
using MtlSharp.Data.Images;
using MtlSharp.Data.Synthetic;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Builds the run a <see cref="RunConfig"/> describes as a <see cref="RunPlan"/> of the one loop: a routed network
/// (Gumbel-Matrix, hard sharing, no sharing or a fixed allocation) over synthetic, IDX-image or CSV tasks, or the
/// sluice-network tagger family over UD English-EWT. The built-in presets are configurations too, so a preset and its
/// configuration file give exactly the same run.
/// </summary>
/// <remarks>
/// Random streams (routed family, as the presets have always drawn them): the seed's root stream gives the
/// initialisation stream, then the data stream (synthetic generation), then the training seed (sampler, data orders,
/// noise, aggregator, weighting). CSV splits use their own <c>split.seed</c>, so every method and run seed sees the
/// same rows.
/// </remarks>
public static class ConfigRunBuilder
{
    /// <summary>
    /// Builds the run of <paramref name="config"/> for <paramref name="seed"/>; <paramref name="scale"/> multiplies its
    /// length. <paramref name="taskSubset"/> (indices into the configuration's tasks, ascending) trains a network on
    /// those tasks alone, with the same data as the whole configuration's (task grouping); null trains every task.
    /// <paramref name="trainFraction"/> below 1 keeps that share of each task's training examples (at least one;
    /// transfer studies), drawn by <see cref="TrainShare"/>.
    /// </summary>
    public static RunPlan Build(RunConfig config, int seed, double scale = 1.0, IReadOnlyList<int>? taskSubset = null, double trainFraction = 1.0)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentException($"--scale must be a positive number, got {scale.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!(trainFraction > 0 && trainFraction <= 1))
        {
            throw new ArgumentException($"The share of training examples must be in (0, 1], got {trainFraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (trainFraction < 1 && config.Model is SentenceModelSpec or MultiInputModelSpec)
        {
            throw new ArgumentException("Training on a share of the examples is available for routed, expert and tagger models.");
        }

        if (taskSubset is not null)
        {
            if (taskSubset.Count == 0 || taskSubset.Any(t => (uint)t >= (uint)config.Tasks.Count) || taskSubset.Zip(taskSubset.Skip(1)).Any(p => p.First >= p.Second))
            {
                throw new ArgumentException($"A task subset must list distinct task indices below {config.Tasks.Count} in ascending order.");
            }

            if (config.Model is SentenceModelSpec or MultiInputModelSpec)
            {
                throw new ArgumentException("Training a subset of the tasks is available for routed, expert and tagger models; a sentence model's or multi-input model's tasks are its configuration's.");
            }

            if (config.Model is TaggerModelSpec)
            {
                // A tagger reads every task from the same sentences: a subset is the configuration with those tasks
                // only, the first of them main (it stops and selects).
                config = config with { Tasks = [.. taskSubset.Select(t => config.Tasks[t])], Stopping = config.Stopping with { Select = null } };
            }
        }

        return config.Model switch
        {
            TaggerModelSpec tagger => Tagger(config, tagger, seed, scale, trainFraction),
            SentenceModelSpec sentence => SentenceExperiments.Build(config, sentence, seed, scale),
            MultiInputModelSpec multi => MultiInputExperiments.Build(config, multi, seed, scale),
            RoutedModelSpec routed => Routed(config, routed, seed, scale, taskSubset, trainFraction),
            ExpertModelSpec experts => Experts(config, experts, seed, scale, taskSubset, trainFraction),
            _ => throw new ArgumentException("Unknown model type."),
        };
    }

    /// <summary>
    /// The sampler of a configuration that names none: rounds (one task per step, each once per round — the
    /// Gumbel-Matrix regime) for routed models over synthetic or image tasks, every task every step otherwise.
    /// </summary>
    public static SamplerKind DefaultSampler(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Model is RoutedModelSpec or ExpertModelSpec && config.Data is SyntheticSource or IdxImageSource or OmniglotSource or ImageTasksSource ? SamplerKind.Rounds : SamplerKind.All;
    }

    private static RunPlan Tagger(RunConfig c, TaggerModelSpec m, int seed, double scale, double fraction)
    {
        var data = (EwtSource)c.Data;
        bool adam = c.Optimizer.Type == OptimizerKind.Adam;
        var settings = new TaggingSettings
        {
            Seed = seed,
            DataDirectory = data.Path,
            TrainGenre = data.TrainGenre,
            BatchSize = c.Schedule.BatchSize ?? TaggingExperiments.DefaultBatchSize,
            LearningRate = c.Optimizer.LearningRate,
            Adam = adam,
            ClipNorm = c.Optimizer.ClipNorm ?? TaggingExperiments.ClipNorm,
            MaxEpochs = c.Schedule.Epochs ?? 30,
            Patience = c.Stopping.Patience ?? 2,
            EpochFraction = Math.Min(1.0, scale),
            TrainFraction = fraction,
            WordDropout = m.WordDropout,
            InputNoise = m.InputNoise,
            AlphaInit = m.AlphaInit,
            AlphaLearned = m.AlphaLearned,
            Connection = m.Connection,
            Subspaces = m.Subspaces,
            OrthogonalityWeight = m.Orthogonality,
            Weighting = c.Strategy.Weighting,
            Sampler = c.Strategy.Sampler ?? SamplerKind.All,
            SamplingTemperature = c.Strategy.SamplingTemperature,
            Aggregator = c.Strategy.Aggregator,
            AggregatorOptions = c.Strategy.AggregatorOptions,
            SamplerOptions = c.Strategy.SamplerOptions,
            WeightingOptions = c.Strategy.WeightingOptions,
        };
        if (c.Strategy.Gradients == GradientSpace.Representation)
        {
            throw new ArgumentException("strategy.gradients \"representation\" needs one shared representation read by every task on the same rows; the taggers' tasks read their own sentences (use parameter gradients).");
        }

        if (c.Stopping.Select is { } sel && sel != c.Tasks[0].Name)
        {
            throw new ArgumentException($"The tagger stops and selects on its first (main) task, {c.Tasks[0].Name}; list '{sel}' first instead.");
        }

        if (c.Schedule.Rounds is not null || c.Schedule.Evaluations is not null || c.Optimizer.RouterLearningRate is not null)
        {
            throw new ArgumentException("The tagger trains by epochs and evaluates after each; schedule.rounds, schedule.evaluations and optimizer.routerLearningRate do not apply.");
        }

        var columns = c.Tasks.Select(t => (t.Name, Column(t.Column!))).ToArray();
        return TaggingExperiments.Build(c.Name, columns, m.Method, settings);
    }

    internal static string Column(string name) => name switch
    {
        "upos" => Data.Text.ConllUColumns.Upos,
        "xpos" => Data.Text.ConllUColumns.Xpos,
        "feats" => Data.Text.ConllUColumns.Feats,
        _ => Data.Text.ConllUColumns.DeprelBase,
    };

    private static RunPlan Routed(RunConfig c, RoutedModelSpec m, int seed, double scale, IReadOnlyList<int>? subset, double fraction)
    {
        var run = FlatRun.Load(c, seed, scale, m, subset, fraction);
        var network = Network(m, run.Tasks.Select(t => t.Name).ToArray(), run.Tasks.Select(t => t.Outputs).ToArray(), run.InputShape, run.Csv, run.InitRng);
        var plan = GumbelExperiments.Plan(c.Name, c.Method, run.Settings, network, run.Tasks, run.Schedule, run.TrainSeed, run.SharedRows);
        return run.Describe(c, plan);
    }

    private static RunPlan Experts(RunConfig c, ExpertModelSpec m, int seed, double scale, IReadOnlyList<int>? subset, double fraction)
    {
        // Gates are ordinary weights, trained with optimizer.learningRate (routerLearningRate does not apply).
        var run = FlatRun.Load(c, seed, scale, null, subset, fraction);
        string[] names = run.Tasks.Select(t => t.Name).ToArray();
        var network = ExpertNetwork(m, run.Tasks.Select(t => t.Outputs).ToArray(), run.InputShape, run.Csv, run.InitRng);
        var model = new ExpertModel(network, names);
        var tasks = run.Tasks;
        var settings = run.Settings;
        var plan = GumbelExperiments.Plan(c.Name, c.Method, settings, model, tasks, run.Schedule, run.TrainSeed, run.SharedRows, null,
            _ => ([], (outcome, losses, metrics) => ExpertReports.Build(c.Name, c.Method, settings.Seed, model, tasks, outcome, losses, metrics)));
        var ci = CultureInfo.InvariantCulture;
        var configuration = new Dictionary<string, string>(plan.Configuration);
        switch (m)
        {
            case MmoeModelSpec mm:
                configuration["model"] = $"{(mm.Gates == GateMode.PerTask ? "mmoe" : "one-gate moe")}: {mm.Experts.ToString(ci)} experts [{Widths(mm.ExpertSizes)}], towers [{Widths(mm.TowerSizes)}]"
                    + (mm.DSelect is { } ds ? $", dselect-k gates (k {ds.Selectors.ToString(ci)}, γ {ds.Gamma.ToString(ci)}, entropy {ds.Entropy.ToString(ci)})" : "");
                break;
            case TaskConditionedModelSpec tc:
                configuration["model"] = $"film: shared [{Widths(tc.ExpertSizes)}] modulated by task embeddings of {tc.EmbeddingSize.ToString(ci)}, towers [{Widths(tc.TowerSizes)}]";
                break;
            case SluiceModelSpec { Layers: { } layers } sm:
                configuration["model"] = $"sluice (conv): per task [{Stages(layers)}], {sm.Subspaces.ToString(ci)} channel group(s), β {(sm.LayerMixing ? "on" : "off")}, orthogonality {sm.Orthogonality.ToString(ci)}, towers [{Widths(sm.TowerSizes)}]";
                break;
            case CrossStitchModelSpec { Layers: { } layers } cs:
                configuration["model"] = $"cross-stitch (conv): per task [{Stages(layers)}], α diagonal {cs.SelfWeight.ToString(ci)}{(cs.ChannelWise ? ", one α per channel" : "")}, towers [{Widths(cs.TowerSizes)}]";
                break;
            case SluiceModelSpec sm:
                configuration["model"] = $"sluice: per task [{Widths(sm.ExpertSizes)}], {sm.Subspaces.ToString(ci)} subspace(s), β {(sm.LayerMixing ? "on" : "off")}, orthogonality {sm.Orthogonality.ToString(ci)}, towers [{Widths(sm.TowerSizes)}]";
                break;
            case BranchingModelSpec br:
                configuration["model"] = $"branching: nodes per layer [{Widths(br.Nodes)}] of width {br.ExpertSizes[0].ToString(ci)}, parents and leaves learned, towers [{Widths(br.TowerSizes)}]";
                break;
            case AdaShareModelSpec ad:
                configuration["model"] = $"adashare: encoder to {ad.ExpertSizes[0].ToString(ci)}, {ad.Blocks.ToString(ci)} residual blocks selected or skipped per task, towers [{Widths(ad.TowerSizes)}]";
                break;
            case TaskAttentionModelSpec ta:
                configuration["model"] = $"mtan: shared [{Widths(ta.ExpertSizes)}] read through per-task attention masks, towers [{Widths(ta.TowerSizes)}]";
                break;
            case CrossStitchModelSpec cs:
                configuration["model"] = $"cross-stitch: per task [{Widths(cs.ExpertSizes)}], α diagonal {cs.SelfWeight.ToString(ci)}{(cs.ChannelWise ? ", one α per unit" : "")}, towers [{Widths(cs.TowerSizes)}]";
                break;
            case SoftOrderModelSpec so:
                configuration["model"] = $"soft-order: {so.Layers.ToString(ci)} shared layers of {so.ExpertSizes[0].ToString(ci)} mixed at {so.Depth.ToString(ci)} depths, towers [{Widths(so.TowerSizes)}]";
                break;
            case PleModelSpec p:
                configuration["model"] = $"ple: {p.Levels.ToString(ci)} level(s) of {p.SharedExperts.ToString(ci)} shared + {p.TaskExperts.ToString(ci)} per-task experts [{Widths(p.ExpertSizes)}], towers [{Widths(p.TowerSizes)}]";
                break;
        }

        return run.Describe(c, plan with { Configuration = configuration });
    }

    private static string Stages(IReadOnlyList<LayerSpec> layers) => string.Join(", ", layers.Select(l => l switch
    {
        ConvLayerSpec c => string.Create(CultureInfo.InvariantCulture, $"conv {c.Filters}@{c.Kernel}x{c.Kernel}"),
        PoolLayerSpec p => string.Create(CultureInfo.InvariantCulture, $"maxpool {p.Kernel}/{p.Stride}"),
        MlpLayerSpec m => $"mlp {Widths(m.Sizes)}",
        _ => "?",
    }));

    private static string Widths(IReadOnlyList<int> sizes) => string.Join(", ", sizes.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// The expert network of <paramref name="m"/> for tasks with output widths <paramref name="outputs"/> on inputs of
    /// shape <paramref name="inputShape"/> (without the batch axis; image inputs are flattened), initialised from
    /// <paramref name="initRng"/>; <paramref name="csv"/> adds the embedded-categorical input stage where it has one.
    /// </summary>
    public static ExpertNetwork ExpertNetwork(ExpertModelSpec m, IReadOnlyList<int> outputs, int[] inputShape, CsvTaskSet? csv, Rng initRng)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(initRng);
        Module<Tensor, Tensor>? input = null;
        int width = inputShape.Aggregate(1, (a, b) => a * b);
        if (csv is { Embedded.Count: > 0 })
        {
            var embedded = new EmbeddedInput(csv.DenseWidth, csv.Embedded.Select(e => e.Levels + 1).ToArray(), csv.EmbeddingSize, initRng);
            input = embedded;
            width = embedded.OutputWidth;
        }

        return m switch
        {
            MmoeModelSpec mm => new MixtureOfExperts(width, mm.Experts, mm.ExpertSizes, mm.Gates, mm.TowerSizes, outputs, initRng, input, mm.DSelect),
            TaskConditionedModelSpec tc => new TaskConditionedNetwork(width, tc.ExpertSizes, tc.EmbeddingSize, tc.TowerSizes, outputs, initRng, input),
            SluiceModelSpec { Layers: { } layers } sm => new ConvSluiceNetwork(Columns(layers, outputs.Count, inputShape, csv, initRng), sm.Subspaces, sm.LayerMixing, sm.Orthogonality, sm.TowerSizes, outputs, initRng),
            CrossStitchModelSpec { Layers: { } layers } cs => new ConvCrossStitchNetwork(Columns(layers, outputs.Count, inputShape, csv, initRng), cs.SelfWeight, cs.TowerSizes, outputs, initRng, cs.ChannelWise),
            SluiceModelSpec sm => new SluiceNetwork(width, sm.ExpertSizes, sm.Subspaces, sm.LayerMixing, sm.Orthogonality, sm.TowerSizes, outputs, initRng, input),
            BranchingModelSpec br => new BranchedNetwork(width, br.Nodes, br.ExpertSizes[0], br.TowerSizes, outputs, initRng, input),
            AdaShareModelSpec ad => new AdaShareNetwork(width, ad.ExpertSizes[0], ad.Blocks, ad.Options, ad.TowerSizes, outputs, initRng, input),
            TaskAttentionModelSpec ta => new TaskAttentionNetwork(width, ta.ExpertSizes, ta.TowerSizes, outputs, initRng, input),
            CrossStitchModelSpec cs => new CrossStitchNetwork(width, cs.ExpertSizes, cs.SelfWeight, cs.TowerSizes, outputs, initRng, input, cs.ChannelWise),
            SoftOrderModelSpec so => new SoftOrderedNetwork(width, so.Layers, so.ExpertSizes[0], so.Depth, so.TowerSizes, outputs, initRng, input),
            PleModelSpec p => new ProgressiveLayeredExtraction(width, p.Levels, p.SharedExperts, p.TaskExperts, p.ExpertSizes, p.TowerSizes, outputs, initRng, input),
            _ => throw new ArgumentException("Unknown expert model."),
        };
    }

    /// <summary>The conv columns of a cross-stitch or sluice model (<c>model.layers</c>), one per task, parameters drawn in stage order.</summary>
    private static ConvColumns Columns(IReadOnlyList<LayerSpec> layers, int tasks, int[] inputShape, CsvTaskSet? csv, Rng initRng)
    {
        if (inputShape.Length != 3 || csv is not null)
        {
            throw new ArgumentException($"model.layers: conv columns read image data (samples [channels, height, width]), but this data's samples are [{string.Join(", ", inputShape)}]; use \"sizes\" for dense columns.");
        }

        var columns = new ConvColumns(tasks, inputShape);
        for (int i = 0; i < layers.Count; i++)
        {
            try
            {
                _ = layers[i] switch
                {
                    ConvLayerSpec conv => columns.AddConv(conv.Filters, conv.Kernel, initRng),
                    PoolLayerSpec pool => columns.AddMaxPool(pool.Kernel, pool.Stride),
                    MlpLayerSpec mlp => columns.AddMlp(mlp.Sizes, mlp.OutputRelu, initRng),
                    _ => throw new ArgumentException("expected a conv, maxpool or mlp layer."),
                };
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"model.layers[{i.ToString(CultureInfo.InvariantCulture)}]: {e.Message}", e);
            }
        }

        return columns;
    }

    /// <summary>
    /// What every flat-input family (routed networks, expert mixtures) shares: the data, the random streams, the
    /// schedule and the strategy settings of a configuration.
    /// </summary>
    private sealed record FlatRun(IReadOnlyList<TaskData> Tasks, int[] InputShape, bool SharedRows, CsvTaskSet? Csv, Rng InitRng, ulong TrainSeed, RoutedSchedule Schedule, ExperimentSettings Settings)
    {
        /// <summary>Loads the data and resolves the schedule; <paramref name="routed"/> supplies budget, temperature and combine mode.</summary>
        public static FlatRun Load(RunConfig c, int seed, double scale, RoutedModelSpec? routed, IReadOnlyList<int>? subset, double fraction)
        {
            var root = new Rng((ulong)seed);
            var initRng = root.Split();
            var dataRng = root.Split();
            ulong trainSeed = root.NextUInt64();
            IReadOnlyList<TaskData> tasks;
            int[] inputShape;
            bool sharedRows = false;
            CsvTaskSet? csv = null;
            switch (c.Data)
            {
                case SyntheticSource s:
                    (tasks, inputShape) = Synthetic(s, c.Tasks, dataRng);
                    break;
                case IdxImageSource idx:
                    (tasks, inputShape) = Images(idx, c.Tasks);
                    break;
                case OmniglotSource omniglot:
                    (tasks, inputShape) = OmniglotTasks(omniglot, c.Tasks);
                    break;
                case ImageTasksSource images:
                    (tasks, inputShape) = ImageTaskSet.Load(images, c.Tasks);
                    break;
                case MultiDigitsSource md:
                    tasks = MultiDigitTasks(md, c.Tasks);
                    inputShape = [.. tasks[0].Train.SampleShape];
                    sharedRows = true;
                    break;
                case CsvSource csvSource:
                    csv = CsvTaskSet.Load(csvSource, c.Tasks);
                    tasks = csv.Tasks;
                    inputShape = [csv.InputWidth];
                    sharedRows = true;
                    break;
                default:
                    throw new ArgumentException($"A {(routed is null ? "mixture-of-experts" : "routed")} model needs synthetic, idx-images, omniglot, image-tasks, multi-mnist or csv data.");
            }

            if (fraction < 1)
            {
                tasks = TrainShare(tasks, fraction, seed, sharedRows);
            }

            if (subset is not null)
            {
                // The data is made (and drawn) for every task, so each subset trains on exactly the same examples.
                tasks = [.. subset.Select(t => tasks[t])];
            }

            int batch = c.Schedule.BatchSize ?? 64;
            long rounds;
            long evaluateEvery;
            if (sharedRows)
            {
                if (c.Schedule.Rounds is not null)
                {
                    throw new ArgumentException($"{(csv is null ? "multi-mnist" : "csv")} data trains by epochs (schedule.epochs), not rounds.");
                }

                long perEpoch = (tasks[0].Train.Count + batch - 1) / batch;
                rounds = Math.Max(1, (long)Math.Round((c.Schedule.Epochs ?? 50) * perEpoch * scale));
                evaluateEvery = c.Schedule.Evaluations is { } ev ? (ev == 0 ? 0 : Math.Max(1, rounds / ev)) : perEpoch;
            }
            else
            {
                if (c.Schedule.Epochs is not null)
                {
                    throw new ArgumentException("Synthetic and image tasks train by rounds (schedule.rounds: one batch per task), not epochs.");
                }

                rounds = Math.Max(1, (long)Math.Round((c.Schedule.Rounds ?? 3000) * scale));
                evaluateEvery = c.Schedule.Evaluations is > 0 ? Math.Max(1, rounds / c.Schedule.Evaluations.Value) : 0;
            }

            int? select = c.Stopping.Select is { } sel ? tasks.Select(t => t.Name).ToList().IndexOf(sel) : null;
            if (select < 0)
            {
                select = null;   // a subset without the selecting task selects on the mean
            }
            float lr = c.Optimizer.LearningRate ?? 1e-3f;
            var schedule = new RoutedSchedule
            {
                Rounds = rounds,
                BatchSize = batch,
                ModelLearningRate = lr,
                RouterLearningRate = c.Optimizer.RouterLearningRate ?? lr,
                Sgd = c.Optimizer.Type == OptimizerKind.Sgd,
                Budget = routed?.Budget,
                BudgetLambda = routed?.BudgetLambda ?? 1f,
                L2 = routed?.L2 ?? 0f,
                EvaluationBatchSize = c.Schedule.EvaluationBatchSize ?? 256,
                ExpertBalance = routed?.Router == RouterKind.Moe ? routed.ExpertBalance : 0f,
                SoftSharing = routed?.SoftSharing ?? 0f,
                ClipNorm = c.Optimizer.ClipNorm ?? 0f,
                Temperature = routed?.Temperature ?? TemperatureSchedule.Annealed,
                EvaluateEveryRounds = evaluateEvery,
                Patience = c.Stopping.Patience ?? 0,
                SelectionTask = select,
                Augment = (c.Data as ImageTasksSource)?.Augment,
            };
            var sampler = c.Strategy.Sampler ?? DefaultSampler(c);
            if (c.Strategy.Aggregator != Strategies.Aggregation.AggregatorKind.None && sampler != SamplerKind.All)
            {
                throw new ArgumentException($"The aggregator combines the gradients of several tasks in one step, but this run's sampler ({sampler}) trains one task per step; set strategy.sampler to \"all\".");
            }

            var settings = new ExperimentSettings
            {
                Seed = seed,
                Combine = routed?.Combine ?? CombineMode.Mean,
                Sampler = sampler,
                SamplingTemperature = c.Strategy.SamplingTemperature,
                Aggregator = c.Strategy.Aggregator,
                Weighting = c.Strategy.Weighting,
                AggregatorOptions = c.Strategy.AggregatorOptions,
                Gradients = c.Strategy.Gradients,
                SamplerOptions = c.Strategy.SamplerOptions,
                WeightingOptions = c.Strategy.WeightingOptions,
            };
            return new FlatRun(tasks, inputShape, sharedRows, csv, initRng, trainSeed, schedule, settings);
        }

        /// <summary>Adds the epochs and the data description of shared-row data to the plan's configuration.</summary>
        public RunPlan Describe(RunConfig c, RunPlan plan)
        {
            plan = plan with { InvertedImages = c.Data is OmniglotSource };
            if (c.Data is ImageTasksSource images)
            {
                var entries = new Dictionary<string, string>(plan.Configuration) { ["data"] = ImageTaskSet.Describe(images, Tasks) };
                if (images.Augment is { } aug)
                {
                    entries["augment"] = string.Create(CultureInfo.InvariantCulture, $"pad to {aug.Pad}x{aug.Pad} with zeros, random {aug.Crop}x{aug.Crop} crop (training batches)");
                }

                plan = plan with { Configuration = entries };
            }

            if (!SharedRows)
            {
                return plan;
            }

            var ci = CultureInfo.InvariantCulture;
            var configuration = new Dictionary<string, string>(plan.Configuration) { ["epochs"] = (c.Schedule.Epochs ?? 50).ToString(ci) };
            foreach (var (key, value) in Csv?.Describe() ?? [])
            {
                configuration[key] = value;
            }

            if (c.Data is MultiDigitsSource mds)
            {
                configuration["data"] = $"multi-mnist up-left {Path.GetFileName(mds.Path)}, down-right {Path.GetFileName(mds.DownRightPath)}, seed {mds.Seed.ToString(ci)}{(mds.DistinctClasses ? ", distinct classes" : "")}{(mds.Resize ? "" : ", 36x36")}";
                configuration["trainRows"] = Tasks[0].Train.Count.ToString(ci);
                configuration["validRows"] = (Tasks[0].Valid?.Count ?? 0).ToString(ci);
                configuration["testRows"] = Tasks[0].Test.Count.ToString(ci);
            }

            return plan with { Configuration = configuration, Tabular = Csv is { } set && set.Tasks.Count == Tasks.Count ? set : null };
        }
    }

    /// <summary>
    /// The rows of a share <paramref name="fraction"/> of <paramref name="count"/> training examples: ⌈fraction·count⌉
    /// of them (at least one), the first of a permutation drawn from a stream of <paramref name="seed"/> and
    /// <paramref name="stream"/>, ascending. The same arguments always give the same rows.
    /// </summary>
    public static int[] ShareRows(int count, double fraction, int seed, int stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The share of training examples must be in (0, 1].");
        }

        int keep = Math.Clamp((int)Math.Ceiling(fraction * count), 1, count);
        var perm = new Rng(((ulong)(uint)seed << 20) ^ 0x5452414E53464552UL ^ (ulong)(uint)stream).Permutation(count);
        var rows = perm.AsSpan(0, keep).ToArray();
        Array.Sort(rows);
        return rows;
    }

    /// <summary>
    /// The tasks with <paramref name="fraction"/> of their training examples (⌈fraction·n⌉, at least one): the first
    /// of a permutation drawn from a stream of <paramref name="seed"/> and the task's index (one permutation for all
    /// tasks when they share rows, which keep sharing one input array), in their original order. Validation and test
    /// splits are kept whole. Every subset of the tasks sees the same examples of each task.
    /// </summary>
    public static IReadOnlyList<TaskData> TrainShare(IReadOnlyList<TaskData> tasks, double fraction, int seed, bool sharedRows)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The share of training examples must be in (0, 1].");
        }

        int[] Rows(int count, int stream) => ShareRows(count, fraction, seed, stream);

        var result = new TaskData[tasks.Count];
        int[]? common = null;
        float[]? commonInputs = null;
        for (int t = 0; t < tasks.Count; t++)
        {
            var train = tasks[t].Train;
            if (sharedRows)
            {
                common ??= Rows(train.Count, -1);
                commonInputs ??= TaskSplit.Gather(train.Inputs, common, train.SampleSize);
                result[t] = tasks[t] with { Train = train.Rows(common, commonInputs) };
            }
            else
            {
                result[t] = tasks[t] with { Train = train.Rows(Rows(train.Count, t)) };
            }
        }

        return result;
    }

    internal static (TaskData[] Tasks, int[] InputShape) Synthetic(SyntheticSource s, IReadOnlyList<TaskSpec> specs, Rng rng)
    {
        var options = new SyntheticRegressionOptions { ClusterSizes = [.. s.Clusters], Rho = s.Rho, SharedInputs = s.SharedInputs };
        var all = SyntheticRegression.Generate(options, s.Train + s.Test, rng);
        var train = all.Slice(0, s.Train);
        var test = all.Slice(s.Train, s.Test);
        var tasks = new TaskData[all.NumTasks];
        for (int t = 0; t < tasks.Length; t++)
        {
            tasks[t] = new TaskData(
                specs[t].Name,
                TaskKind.Regression,
                1,
                new TaskSplit(train.Inputs[t], [all.Dim], null, train.Targets[t]),
                new TaskSplit(test.Inputs[t], [all.Dim], null, test.Targets[t])) { Metric = specs[t].Metric };
        }

        return (tasks, [all.Dim]);
    }

    /// <summary>
    /// The tasks of a multi-mnist source: training composites from the training images (the last
    /// <see cref="MultiDigitsSource.ValidFraction"/> of them held out), test composites from the test images, partners
    /// drawn from the source's own seed (first the training stream, then the test stream); every task shares each
    /// split's one input array and labels its item.
    /// </summary>
    public static IReadOnlyList<TaskData> MultiDigitTasks(MultiDigitsSource s, IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(specs);
        var upTrain = Mnist.LoadTrain(s.Path);
        var upTest = Mnist.LoadTest(s.Path);
        bool same = string.Equals(Path.GetFullPath(s.Path), Path.GetFullPath(s.DownRightPath), StringComparison.Ordinal);
        var downTrain = same ? upTrain : Mnist.LoadTrain(s.DownRightPath);
        var downTest = same ? upTest : Mnist.LoadTest(s.DownRightPath);
        var root = new Rng(s.Seed);
        var trainRng = root.Split();
        var testRng = root.Split();
        var all = MultiDigits.Compose(upTrain, downTrain, s.Train ?? upTrain.Count, trainRng, s.DistinctClasses, s.Resize);
        var test = MultiDigits.Compose(upTest, downTest, s.Test ?? upTest.Count, testRng, s.DistinctClasses, s.Resize);
        int validCount = (int)Math.Round(all.Count * s.ValidFraction);
        if (validCount >= all.Count)
        {
            throw new ArgumentException($"data.valid: a validation fraction of {s.ValidFraction.ToString(CultureInfo.InvariantCulture)} leaves no training composites out of {all.Count}.");
        }

        var (train, valid) = all.SplitAt(all.Count - validCount);
        int classes = Math.Max(Math.Max(upTrain.Labels.Max(), downTrain.Labels.Max()), Math.Max(upTest.Labels.Max(), downTest.Labels.Max())) + 1;
        int[] shape = [1, train.Height, train.Width];
        var tasks = new TaskData[specs.Count];
        for (int t = 0; t < specs.Count; t++)
        {
            bool upLeft = specs[t].Column == "up-left";
            TaskSplit Split(MultiDigitSet set) => new(set.Pixels, shape, upLeft ? set.UpLeftLabels : set.DownRightLabels, null);
            tasks[t] = new TaskData(specs[t].Name, TaskKind.Classification, classes, Split(train), Split(test), validCount > 0 ? Split(valid) : null)
            {
                Metric = specs[t].Metric,
            };
        }

        return tasks;
    }

    /// <summary>
    /// The tasks of an omniglot source: one per task spec, classifying the characters of the alphabet its column (or
    /// name) names, split per character as <see cref="OmniglotAlphabet.Split"/> does.
    /// </summary>
    public static (TaskData[] Tasks, int[] InputShape) OmniglotTasks(OmniglotSource s, IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(specs);
        var alphabets = Omniglot.Load(s.Path, specs.Select(t => t.Column ?? t.Name).ToArray(), s.Size);
        int[] shape = [1, s.Size, s.Size];
        var tasks = new TaskData[specs.Count];
        for (int t = 0; t < specs.Count; t++)
        {
            var split = alphabets[t].Split(s.Train, s.Valid);
            TaskSplit Of(LabeledImages images) => new(images.Pixels, shape, images.Labels, null);
            tasks[t] = new TaskData(specs[t].Name, TaskKind.Classification, alphabets[t].Characters, Of(split.Train), Of(split.Test), split.Valid is { } v ? Of(v) : null)
            {
                Metric = specs[t].Metric,
            };
        }

        return (tasks, shape);
    }

    internal static (TaskData[] Tasks, int[] InputShape) Images(IdxImageSource s, IReadOnlyList<TaskSpec> specs)
    {
        foreach (string name in s.Rotate.Keys)
        {
            if (specs.All(t => t.Name != name))
            {
                throw new ArgumentException($"data.rotate names '{name}', which is not a task; the tasks are: {string.Join(", ", specs.Select(t => t.Name))}.");
            }
        }

        string dir = Directory.Exists(Path.Combine(s.Path, "mnist")) ? Path.Combine(s.Path, "mnist") : s.Path;
        var train = Mnist.LoadTrain(dir);
        var test = Mnist.LoadTest(dir);
        int classes = Math.Max(train.Labels.Max(), test.Labels.Max()) + 1;   // both splits hold at least one image (Mnist checks)
        var rotated = new Dictionary<RotationDirection, (LabeledImages Train, LabeledImages Test)>();
        var tasks = new TaskData[specs.Count];
        for (int t = 0; t < specs.Count; t++)
        {
            var (tr, te) = (train, test);
            if (s.Rotate.TryGetValue(specs[t].Name, out var dirn) && dirn is { } d)
            {
                if (!rotated.TryGetValue(d, out var r))
                {
                    r = (train.Rotate90(d), test.Rotate90(d));
                    rotated[d] = r;
                }

                (tr, te) = r;
            }

            tasks[t] = new TaskData(
                specs[t].Name,
                TaskKind.Classification,
                classes,
                new TaskSplit(tr.Pixels, [1, tr.Height, tr.Width], tr.Labels, null),
                new TaskSplit(te.Pixels, [1, te.Height, te.Width], te.Labels, null)) { Metric = specs[t].Metric };
        }

        return (tasks, [1, train.Height, train.Width]);
    }

    /// <summary>
    /// The routed network of <paramref name="m"/> for tasks with output widths <paramref name="outputs"/> on inputs of
    /// shape <paramref name="inputShape"/> (without the batch axis), initialised from <paramref name="initRng"/> in
    /// stage order; <paramref name="csv"/> adds the embedded-categorical input stage where it has one.
    /// </summary>
    public static RoutedNetwork Network(RoutedModelSpec m, IReadOnlyList<string> names, IReadOnlyList<int> outputs, int[] inputShape, CsvTaskSet? csv, Rng initRng)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(initRng);
        int taskCount = outputs.Count;
        var stages = new List<Module>();
        int[] shape = inputShape;
        if (csv is { Embedded.Count: > 0 })
        {
            var input = new EmbeddedInput(csv.DenseWidth, csv.Embedded.Select(e => e.Levels + 1).ToArray(), csv.EmbeddingSize, initRng);
            stages.Add(input);
            shape = [input.OutputWidth];
        }

        int routedTotal = m.Layers.Count(l => l is MlpLayerSpec or GroupLayerSpec or ConvLayerSpec or ModulesLayerSpec);
        int routedIndex = 0;

        // A routed layer of the stacks make() builds, under the model's router (single-task: one copy per task).
        Module RoutedStage(Func<IComponentStack> make, int gateWidth, string where)
        {
            int index = routedIndex++;
            if (m.Router == RouterKind.SingleTask)
            {
                var members = new IComponentStack[taskCount];
                for (int t = 0; t < taskCount; t++)
                {
                    members[t] = make();
                }

                int per = members[0].Count;
                var allocation = new int[taskCount][];
                for (int t = 0; t < taskCount; t++)
                {
                    allocation[t] = new int[per * taskCount];
                    for (int c = 0; c < per; c++)
                    {
                        allocation[t][(t * per) + c] = 1;
                    }
                }

                return new RoutedLayer(taskCount == 1 ? members[0] : new ComponentGroup(members), new FixedRouter(allocation), m.Combine);
            }

            var stack = make();
            if (m.Router == RouterKind.Moe)
            {
                int k = m.TopK is { } ks ? ks[index] : AnnealedTopK(stack.Count, index, routedTotal);
                if (k > stack.Count)
                {
                    throw new ArgumentException($"{where}: model.topK asks for {k} of its {stack.Count} components.");
                }

                return new PerExampleRoutedLayer(stack, new NoisyTopKGate(gateWidth, taskCount, stack.Count, k, m.GateNoise));
            }

            return new RoutedLayer(stack, Router(m, taskCount, stack.Count, where), m.Combine);
        }

        // A shared stage with parameters (single-task: one copy per task, each task using its own).
        Module SharedStage(Func<Module<Tensor, Tensor>> make)
        {
            if (m.Router != RouterKind.SingleTask || taskCount == 1)
            {
                return make();
            }

            var copies = new Module<Tensor, Tensor>[taskCount];
            for (int t = 0; t < taskCount; t++)
            {
                copies[t] = make();
            }

            return new RoutedLayer(new ModuleComponents(copies), FixedRouter.NoSharing(taskCount, taskCount), m.Combine);
        }

        for (int i = 0; i < m.Layers.Count; i++)
        {
            string where = $"model.layers[{i}]";
            switch (m.Layers[i])
            {
                case MlpLayerSpec mlp:
                {
                    if (shape.Length != 1)
                    {
                        // Image features (after conv/pool stages) are flattened channel-major, as PyTorch's x.view(N, -1).
                        stages.Add(FunctionStage.Flatten());
                        shape = [shape.Aggregate(1, (a, b) => a * b)];
                    }

                    int inWidth = shape[0];
                    stages.Add(RoutedStage(() => new MlpComponents(mlp.Components, [inWidth, .. mlp.Sizes], mlp.OutputRelu, initRng), inWidth, where));
                    shape = [mlp.Sizes[^1]];
                    break;
                }

                case GroupLayerSpec group:
                {
                    if (shape.Length != 1)
                    {
                        throw new ArgumentException($"{where}: a group of mlps needs flat inputs, but its input has shape [{string.Join(", ", shape)}].");
                    }

                    int width = group.Members[0].Sizes[^1];
                    if (group.Members.Any(g => g.Sizes[^1] != width))
                    {
                        throw new ArgumentException($"{where}: the members of a group must end in the same width.");
                    }

                    int inWidth = shape[0];
                    stages.Add(RoutedStage(() => new ComponentGroup(group.Members.Select(g => (IComponentStack)new MlpComponents(g.Components, [inWidth, .. g.Sizes], g.OutputRelu, initRng)).ToArray()), inWidth, where));
                    shape = [width];
                    break;
                }

                case ConvLayerSpec conv:
                {
                    if (shape.Length != 3 || shape[1] < conv.Kernel || shape[2] < conv.Kernel)
                    {
                        throw new ArgumentException($"{where}: a {conv.Kernel}×{conv.Kernel} convolution needs image inputs [channels, height, width] at least that large, got [{string.Join(", ", shape)}].");
                    }

                    int inChannels = shape[0];
                    stages.Add(RoutedStage(() => new ConvComponents(conv.Components, inChannels, conv.Filters, conv.Kernel, initRng), inChannels, where));
                    shape = [conv.Filters, shape[1] - conv.Kernel + 1, shape[2] - conv.Kernel + 1];
                    break;
                }

                case ModulesLayerSpec modules:
                {
                    if (shape.Length != 3)
                    {
                        throw new ArgumentException($"{where}: a modules layer needs image inputs [channels, height, width], got [{string.Join(", ", shape)}].");
                    }

                    int[] input = shape;
                    int channels = ModulesOutputChannels(modules, input[0], where);
                    stages.Add(RoutedStage(() => ModulesStack(modules, input[0], initRng), input[0], where));
                    shape = [channels, (input[1] + modules.Stride - 1) / modules.Stride, (input[2] + modules.Stride - 1) / modules.Stride];
                    break;
                }

                case SharedConvLayerSpec sc:
                {
                    int ho = shape.Length == 3 ? Ops.SpatialOutputSize(shape[1], sc.KernelH, sc.Stride, sc.Padding) : 0;
                    int wo = shape.Length == 3 ? Ops.SpatialOutputSize(shape[2], sc.KernelW, sc.Stride, sc.Padding) : 0;
                    if (ho < 1 || wo < 1)
                    {
                        throw new ArgumentException($"{where}: a {sc.KernelH}×{sc.KernelW} convolution needs image inputs [channels, height, width] it fits, got [{string.Join(", ", shape)}].");
                    }

                    int inChannels = shape[0];
                    stages.Add(SharedStage(() => new ConvSequence(inChannels, sc.Filters, [(sc.KernelH, sc.KernelW)], sc.Stride, sc.GroupNorm, initRng, sc.Padding)));
                    shape = [sc.Filters, ho, wo];
                    break;
                }

                case NormLayerSpec norm:
                {
                    if (shape.Length != 3 || shape[0] % norm.Groups != 0)
                    {
                        throw new ArgumentException($"{where}: GroupNorm with {norm.Groups} groups needs image inputs whose channels it divides, got [{string.Join(", ", shape)}].");
                    }

                    int channels = shape[0];
                    stages.Add(SharedStage(() => new NormStage(norm.Groups, channels, norm.Relu)));
                    break;
                }

                case PoolLayerSpec pool:
                {
                    if (shape.Length != 3 || shape[1] < pool.Kernel || shape[2] < pool.Kernel)
                    {
                        throw new ArgumentException($"{where}: pooling needs image inputs at least {pool.Kernel} high and wide, got [{string.Join(", ", shape)}].");
                    }

                    stages.Add(pool.Kind == PoolingKind.Max ? FunctionStage.MaxPool(pool.Kernel, pool.Stride) : FunctionStage.AvgPool(pool.Kernel, pool.Stride));
                    shape = [shape[0], (shape[1] - pool.Kernel) / pool.Stride + 1, (shape[2] - pool.Kernel) / pool.Stride + 1];
                    break;
                }
            }
        }

        int flat = shape.Aggregate(1, (a, b) => a * b);
        TaskHeads? heads = null;
        if (m.Heads)
        {
            heads = new TaskHeads(flat, m.HeadSizes, outputs, initRng);
        }
        else
        {
            for (int t = 0; t < taskCount; t++)
            {
                if (outputs[t] != flat)
                {
                    throw new ArgumentException($"model.heads is false, so the last layer's {flat} outputs are the predictions, but task '{names[t]}' needs {outputs[t]}.");
                }
            }
        }

        return new RoutedNetwork(stages, heads, m.Dropout, taskCount);
    }

    /// <summary>
    /// Ramachandran &amp; Le's k annealing over depth: k falls linearly from the component count in the first routed
    /// layer to 2 in the last (7, 6, 6, 5, 4, 3, 3, 2 for 8 layers of 7).
    /// </summary>
    public static int AnnealedTopK(int components, int layer, int layers)
    {
        int last = Math.Min(2, components);
        if (layers <= 1)
        {
            return components;
        }

        return Math.Clamp((int)Math.Round(components - ((components - last) * (double)layer / (layers - 1)), MidpointRounding.AwayFromZero), 1, components);
    }

    private static int ModulesOutputChannels(ModulesLayerSpec spec, int inChannels, string where)
    {
        int? channels = null;
        foreach (var c in spec.Components)
        {
            int ch = c.Kind == ComponentKind.Conv || (c.Kind == ComponentKind.Identity && spec.Stride > 1) ? spec.Filters : inChannels;
            if (channels is { } prev && prev != ch)
            {
                throw new ArgumentException($"{where}: its components give {prev} and {ch} channels; pooling and identity components keep the input's {inChannels} channels, so filters must be {inChannels}.");
            }

            channels = ch;
        }

        return channels!.Value;
    }

    /// <summary>The components of a modules layer on inputs of <paramref name="inChannels"/> channels, in order.</summary>
    private static ModuleComponents ModulesStack(ModulesLayerSpec spec, int inChannels, Rng rng)
    {
        var comps = new List<Module<Tensor, Tensor>>();
        foreach (var c in spec.Components)
        {
            for (int copy = 0; copy < c.Count; copy++)
            {
                comps.Add(c.Kind switch
                {
                    ComponentKind.Conv => new ConvSequence(inChannels, spec.Filters, c.Kernels, spec.Stride, spec.GroupNorm, rng),
                    ComponentKind.MaxPool => FunctionStage.MaxPool(c.Kernel, spec.Stride, PaddingMode.Same),
                    ComponentKind.AvgPool => FunctionStage.AvgPool(c.Kernel, spec.Stride, PaddingMode.Same),
                    _ when spec.Stride == 1 => new Identity(),
                    _ => new ConvSequence(inChannels, spec.Filters, [(1, 1)], spec.Stride, 0, rng, PaddingMode.Same, relu: false),
                });
            }
        }

        return new ModuleComponents([.. comps]);
    }

    private static IRouter Router(RoutedModelSpec m, int tasks, int components, string where) => m.Router switch
    {
        RouterKind.Gumbel => new GumbelMatrixRouter(tasks, components, m.PInit),
        RouterKind.SharedBottom => FixedRouter.SharedBottom(tasks, components),
        RouterKind.NoSharing when components < tasks =>
            throw new ArgumentException($"{where}: router no-sharing gives each task its own component, but the layer has {components} components for {tasks} tasks."),
        RouterKind.NoSharing => FixedRouter.NoSharing(tasks, components),
        _ when m.Allocation!.Length != tasks || m.Allocation.Any(r => r.Length != components) =>
            throw new ArgumentException($"model.allocation must be {tasks} tasks × {components} components (as {where}), got {m.Allocation.Length} × {(m.Allocation.Length > 0 ? m.Allocation[0].Length : 0)}."),
        _ => new FixedRouter(m.Allocation),
    };
}
