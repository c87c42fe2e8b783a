using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// The Gumbel-Matrix presets (spec A10) by their typed names: each is a built-in configuration
/// (<c>Configuration/Presets/synthetic-transfer.json</c>, <c>synthetic-gumbel.json</c>, <c>mnist4.json</c>, which
/// hold the paper's hyper-parameters and say in their descriptions where the paper leaves a choice open), built by
/// <see cref="ConfigRunBuilder"/>; <see cref="ExperimentSettings"/> become a merge patch of it. Choices the paper
/// leaves open: synthetic-transfer has no optimiser or length in the paper, so App. A3's (Adam 0.01, batch 64, clip
/// 1.0, 3000 rounds) are used; the synthetic data sizes (100,000 train, 10,000 test per task) follow the peer
/// reference; mnist4 evaluates five times and rotates counter-clockwise (as the official <c>tf.image.rot90</c>).
/// </summary>
public static class GumbelExperiments
{
    /// <summary>The methods a preset supports.</summary>
    public static IReadOnlyList<RoutingMethod> MethodsOf(PresetId preset) => preset switch
    {
        PresetId.SyntheticTransfer => [RoutingMethod.SharedBottom, RoutingMethod.NoSharing],
        PresetId.SyntheticGumbel => [RoutingMethod.NoSharing, RoutingMethod.SharedBottom, RoutingMethod.Gumbel],
        PresetId.Mnist4 => [RoutingMethod.NoSharing, RoutingMethod.SharedBottom, RoutingMethod.Gumbel, RoutingMethod.GumbelBudget],
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };

    /// <summary>The method a preset runs when none is named.</summary>
    public static RoutingMethod DefaultMethod(PresetId preset) =>
        preset == PresetId.SyntheticTransfer ? RoutingMethod.SharedBottom : RoutingMethod.Gumbel;

    /// <summary>Stable command-line name of a preset.</summary>
    public static string Name(PresetId preset) => preset switch
    {
        PresetId.SyntheticTransfer => "synthetic-transfer",
        PresetId.SyntheticGumbel => "synthetic-gumbel",
        PresetId.Mnist4 => "mnist4",
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };

    /// <summary>Stable command-line name of a method.</summary>
    public static string Name(RoutingMethod method) => method switch
    {
        RoutingMethod.NoSharing => "no-sharing",
        RoutingMethod.SharedBottom => "shared-bottom",
        RoutingMethod.Gumbel => "gumbel",
        RoutingMethod.GumbelBudget => "gumbel-budget",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// Builds one run as a plan of the one loop: the model and tasks of the preset, the Gumbel-Matrix regime (one task
    /// per batch, every task once per round in a fresh order, each task its own data order), Adam for the weights
    /// and a second Adam for the router logits, keep-best on the mean validation metric where tasks have one.
    /// </summary>
    public static RunPlan Build(PresetId preset, RoutingMethod method, ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!MethodsOf(preset).Contains(method))
        {
            throw new ArgumentException($"Preset {Name(preset)} does not support method {Name(method)}; it supports {string.Join(", ", MethodsOf(preset).Select(Name))}.");
        }

        var doc = BuiltInConfigs.Load(Name(preset));
        var config = doc.Resolve(Name(method), Overrides(preset, method, settings), settings.DataDirectory ?? ".");
        return ConfigRunBuilder.Build(config, settings.Seed, settings.ScheduleScale);
    }

    /// <summary>The settings as a merge patch of the preset's configuration (what the configuration does not fix).</summary>
    private static JsonObject Overrides(PresetId preset, RoutingMethod method, ExperimentSettings s)
    {
        var model = new JsonObject { ["combine"] = ConfigNames.NameOf(ConfigNames.Combines, s.Combine) };
        if (method == RoutingMethod.GumbelBudget)
        {
            model["budget"] = s.Budget;
        }

        if (s.Temperature is { } t)
        {
            model["temperature"] = new JsonObject { ["initial"] = t.Initial, ["minimum"] = t.Minimum };
        }

        var strategy = new JsonObject
        {
            ["sampler"] = ConfigNames.NameOf(ConfigNames.Samplers, s.Sampler),
            ["samplingTemperature"] = s.SamplingTemperature,
            ["aggregator"] = ConfigNames.NameOf(ConfigNames.Aggregators, s.Aggregator),
        };
        if (s.Weighting is { } w)
        {
            strategy["weighting"] = ConfigNames.NameOf(ConfigNames.Weightings, w);
            strategy["weightingOptions"] = MergePatch.Numbers(s.WeightingOptions);
        }

        strategy["aggregatorOptions"] = MergePatch.Numbers(s.AggregatorOptions);
        if (s.Gradients == GradientSpace.Representation)
        {
            strategy["gradients"] = "representation";
        }
        if (s.SamplerOptions.Count > 0)
        {
            strategy["samplerOptions"] = MergePatch.Numbers(s.SamplerOptions);
        }

        var patch = new JsonObject { ["model"] = model, ["strategy"] = strategy };
        if (preset != PresetId.Mnist4)
        {
            var data = new JsonObject { ["train"] = s.SyntheticTrainSize, ["test"] = s.SyntheticTestSize };
            if (preset == PresetId.SyntheticTransfer)
            {
                data["rho"] = s.Rho;   // synthetic-gumbel's pairs are related by construction (ρ = 1)
            }

            patch["data"] = data;
        }

        return patch;
    }

    /// <summary>
    /// A routed run as a plan of the one loop (the strategies and seed from <paramref name="settings"/>): the sampler,
    /// per-task data orders and noise from <paramref name="trainSeed"/>, Adam for the weights and one for the router
    /// logits, evaluation and keep-best as <paramref name="o"/> says. With <paramref name="sharedRows"/> every task
    /// labels the same rows (one table; <see cref="SharedRowsTrainingData"/>), else each task has its own examples.
    /// </summary>
    internal static RunPlan Plan(string preset, string method, ExperimentSettings settings, RoutedNetwork network, IReadOnlyList<TaskData> tasks, RoutedSchedule o, ulong trainSeed, bool sharedRows)
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        long updates = o.Rounds * (settings.Sampler == SamplerKind.All ? 1 : tasks.Count);
        var model = new RoutedModel(network, o.Budget, o.BudgetLambda, softSharing: o.SoftSharing, l2: o.L2, expertBalance: o.ExpertBalance, balanceSteps: updates);
        var routed = new RoutedEntries(
            o.RouterLearningRate.ToString(ci),
            o.Budget?.ToString(ci) ?? "none",
            $"max({o.Temperature.Minimum.ToString(ci)}, {o.Temperature.Initial.ToString(ci)}/sqrt(n+1))",
            network.RoutedLayers.Count > 0 ? network.RoutedLayers[0].Combine.ToString() : "n/a");
        return Plan(preset, method, settings, model, tasks, o, trainSeed, sharedRows, routed, total =>
        {
            var history = new AllocationHistoryCallback(network, Math.Max(1, total / Math.Max(1, o.AllocationSnapshots)));
            return ([history], (outcome, losses, metrics) => RoutedReports.Build(preset, method, settings.Seed, network, outcome, losses, metrics, history));
        });
    }

    /// <summary>
    /// The plan of any flat-input model of the routed family's regime (routed networks, expert mixtures): sampler,
    /// per-task data orders and noise from <paramref name="trainSeed"/> (in that order, then the aggregator's and the
    /// weighting's streams), Adam (or SGD) for the model's weights and one for its routing parameters where it has
    /// any, evaluation and keep-best as <paramref name="o"/> says. <paramref name="routed"/> adds the routed
    /// family's configuration entries; <paramref name="family"/> gives the family's callbacks and report from the
    /// run's total steps.
    /// </summary>
    internal static RunPlan Plan(string preset, string method, ExperimentSettings settings, IMultiTaskModel model, IReadOnlyList<TaskData> tasks, RoutedSchedule o, ulong trainSeed, bool sharedRows,
        RoutedEntries? routed, Func<long, (IReadOnlyList<ITrainingCallback> Callbacks, Func<TrainingOutcome, LossCurveCallback, MetricCurveCallback, Reporting.RunReport> Report)> family)
    {
        int taskCount = tasks.Count;
        if (settings.Gradients == GradientSpace.Representation)
        {
            // The loop checks this too; here the configuration's error comes before any data is batched.
            string? why = model is Models.IRepresentationModel rep ? rep.RepresentationUnavailable : $"the {model.GetType().Name} has no single shared representation";
            if (why is null && !sharedRows)
            {
                why = "its tasks read their own examples (representation gradients need tasks over the same rows: one CSV table, MultiMNIST)";
            }

            if (why is not null)
            {
                throw new ArgumentException($"strategy.gradients \"representation\" needs one shared representation, but {why}.");
            }
        }

        var rng = new Rng(trainSeed);
        var samplerRng = rng.Split();
        var orders = new Rng[taskCount];
        for (int t = 0; t < taskCount; t++)
        {
            orders[t] = rng.Split();
        }

        var noise = rng.Split();
        var network = model.Module;
        var modelParams = network.Parameters(k => k.Role != ParameterRole.Routing);
        var routerParams = network.Parameters(ParameterRole.Routing);
        var aggregator = Aggregators.Create(settings.Aggregator, rng.Split(), new StrategyOptions(settings.AggregatorOptions));

        // A weighting's stream is split after every other one, so runs without a weighting are unchanged. Learned
        // weighting parameters get one more Adam at the model's learning rate; DWA's epoch is DefaultEpochSteps updates
        // (the task streams here have no epochs).
        var weighting = settings.Weighting is { } kind ? LossWeightings.Create(kind, taskCount, rng.Split(), options: new StrategyOptions(settings.WeightingOptions)) : null;

        // The augmentation's stream comes last too: runs without augmentation draw exactly what they always drew.
        PadCropAugmentation? augmentation = null;
        if (o.Augment is { } aug)
        {
            if (sharedRows)
            {
                throw new ArgumentException("data.augment: pad-and-crop augmentation is for image tasks with their own examples (image-tasks data), not for shared rows.");
            }

            augmentation = new PadCropAugmentation(aug.Pad, aug.Crop, rng.Split());
        }

        ITrainingData data = sharedRows ? new SharedRowsTrainingData(tasks, o.BatchSize, orders[0]) : new SplitTrainingData(tasks, o.BatchSize, orders, augmentation);
        var sampler = Samplers.Create(settings.Sampler, data, samplerRng, settings.SamplingTemperature, new StrategyOptions(settings.SamplerOptions));
        long stepsPerRound = sampler.OneTaskPerStep ? taskCount : 1;
        IOptimizer[] optimizers = routerParams.Count > 0
            ? [new Adam(modelParams, o.ModelLearningRate), new Adam(routerParams, o.RouterLearningRate)]
            : [new Adam(modelParams, o.ModelLearningRate)];
        if (o.Sgd)
        {
            optimizers = routerParams.Count > 0
                ? [new Sgd(modelParams, o.ModelLearningRate), new Sgd(routerParams, o.RouterLearningRate)]
                : [new Sgd(modelParams, o.ModelLearningRate)];
        }

        if (weighting is { Parameters.Count: > 0 })
        {
            optimizers = [.. optimizers, new Adam(weighting.Parameters, o.ModelLearningRate)];
        }

        long total = o.Rounds * stepsPerRound;
        var options = new TrainerOptions
        {
            TotalSteps = total,
            Optimizers = optimizers,
            Sampler = sampler,
            ClipNorm = o.ClipNorm,
            EvaluateEvery = o.EvaluateEveryRounds > 0 ? o.EvaluateEveryRounds * stepsPerRound : 0,
            Aggregator = aggregator,
            GradientSpace = settings.Gradients,
            Weighting = weighting,
            Temperature = o.Temperature,
            Noise = noise,
            Patience = o.Patience,
            SelectionTask = o.SelectionTask,
        };
        string[] names = tasks.Select(t => t.Name).ToArray();
        var losses = new LossCurveCallback(names, Math.Max(1, total / Math.Max(1, o.CurvePoints)));
        var metrics = new MetricCurveCallback();
        var (callbacks, report) = family(total);
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var config = new Dictionary<string, string>
        {
            ["rounds"] = o.Rounds.ToString(ci),
            ["batchSize"] = o.BatchSize.ToString(ci),
            ["modelLearningRate"] = o.ModelLearningRate.ToString(ci),
        };
        if (routed is { } r)
        {
            config["routerLearningRate"] = r.RouterLearningRate;
            config["budget"] = r.Budget;
        }

        config["clipNorm"] = o.ClipNorm.ToString(ci);
        if (routed is { } r2)
        {
            config["temperature"] = r2.Temperature;
            config["combine"] = r2.Combine;
        }

        config["sampler"] = sampler.Name;
        if (settings.Gradients == GradientSpace.Representation)
        {
            config["gradients"] = "representation";
        }

        config["aggregator"] = settings.Aggregator == AggregatorKind.None ? "none" : settings.Aggregator.ToString().ToLowerInvariant();
        config["weighting"] = weighting?.Name ?? "none";
        config["parameters"] = network.ParameterCount().ToString(ci);
        if (o.SoftSharing > 0)
        {
            config["softSharing"] = o.SoftSharing.ToString(ci);
        }
        return new RunPlan
        {
            Preset = preset,
            Method = method,
            Seed = settings.Seed,
            Model = model,
            Data = data,
            Evaluator = new SplitEvaluator(tasks, trainSeed, o.EvaluationBatchSize),
            Options = options,
            LossCurves = losses,
            MetricCurves = metrics,
            Callbacks = callbacks,
            Configuration = config,
            BuildReport = outcome => report(outcome, losses, metrics),
        };
    }

    /// <summary>The App. A3 network (one routed layer of 4 MLPs 128→16→16→1, no heads), built from the preset's configuration.</summary>
    public static RoutedNetwork SyntheticGumbelModel(RoutingMethod method, CombineMode combine, Rng initRng) =>
        Network(PresetId.SyntheticGumbel, method, combine, [1, 1, 1, 1], [128], initRng);

    /// <summary>The 4-MNISTs network (App. B: 3 routed conv layers × 4 components, pooling, dropout 0.5, heads), built from the preset's configuration.</summary>
    public static RoutedNetwork Mnist4Model(RoutingMethod method, CombineMode combine, Rng initRng) =>
        Network(PresetId.Mnist4, method, combine, [10, 10, 10, 10], [1, 28, 28], initRng);

    private static RoutedNetwork Network(PresetId preset, RoutingMethod method, CombineMode combine, int[] outputs, int[] input, Rng initRng)
    {
        var overrides = new JsonObject { ["model"] = new JsonObject { ["combine"] = ConfigNames.NameOf(ConfigNames.Combines, combine) } };
        var config = BuiltInConfigs.Load(Name(preset)).ResolveWithoutFiles(Name(method), overrides);
        return ConfigRunBuilder.Network((RoutedModelSpec)config.Model, config.Tasks.Select(t => t.Name).ToArray(), outputs, input, null, initRng);
    }
}
