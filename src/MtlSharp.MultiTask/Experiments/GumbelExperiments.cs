using MtlSharp.Data.Images;
using MtlSharp.Data.Synthetic;
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
/// Builds the Gumbel-Matrix presets with the paper's hyper-parameters (spec A10). Choices the paper leaves open are
/// documented on each builder.
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

        if (!(settings.ScheduleScale > 0) || double.IsInfinity(settings.ScheduleScale))
        {
            throw new ArgumentException($"--scale must be a positive number, got {settings.ScheduleScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }

        var root = new Rng((ulong)settings.Seed);
        var initRng = root.Split();
        var dataRng = root.Split();
        ulong trainSeed = root.NextUInt64();
        var built = preset switch
        {
            PresetId.SyntheticTransfer => SyntheticTransfer(method, settings, initRng, dataRng),
            PresetId.SyntheticGumbel => SyntheticGumbel(method, settings, initRng, dataRng),
            PresetId.Mnist4 => Mnist4(method, settings, initRng),
            _ => throw new ArgumentOutOfRangeException(nameof(preset)),
        };
        return Plan(Name(preset), Name(method), settings, built.Model, built.Tasks, built.Schedule, trainSeed, sharedRows: false);
    }

    /// <summary>
    /// A routed run as a plan of the one loop (the strategies and seed from <paramref name="settings"/>): the sampler,
    /// per-task data orders and noise from <paramref name="trainSeed"/>, Adam for the weights and one for the router
    /// logits, evaluation and keep-best as <paramref name="o"/> says. With <paramref name="sharedRows"/> every task
    /// labels the same rows (one table; <see cref="SharedRowsTrainingData"/>), else each task has its own examples.
    /// </summary>
    internal static RunPlan Plan(string preset, string method, ExperimentSettings settings, RoutedNetwork network, IReadOnlyList<TaskData> tasks, RoutedSchedule o, ulong trainSeed, bool sharedRows)
    {
        int taskCount = tasks.Count;
        var rng = new Rng(trainSeed);
        var samplerRng = rng.Split();
        var orders = new Rng[taskCount];
        for (int t = 0; t < taskCount; t++)
        {
            orders[t] = rng.Split();
        }

        var noise = rng.Split();
        ITrainingData data = sharedRows ? new SharedRowsTrainingData(tasks, o.BatchSize, orders[0]) : new SplitTrainingData(tasks, o.BatchSize, orders);
        var sampler = Samplers.Create(settings.Sampler, data, samplerRng, settings.SamplingTemperature);
        long stepsPerRound = sampler.OneTaskPerStep ? taskCount : 1;
        var model = new RoutedModel(network, o.Budget, o.BudgetLambda);
        var modelParams = network.Parameters(k => k.Role != ParameterRole.Routing);
        var routerParams = network.Parameters(ParameterRole.Routing);
        var aggregator = Aggregators.Create(settings.Aggregator, rng.Split());

        // A weighting's stream is split after every other one, so runs without a weighting are unchanged. Learned
        // weighting parameters get one more Adam at the model's learning rate; DWA's epoch is DefaultEpochSteps updates
        // (the task streams here have no epochs).
        var weighting = settings.Weighting is { } kind ? LossWeightings.Create(kind, taskCount, rng.Split()) : null;
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
            Weighting = weighting,
            Temperature = o.Temperature,
            Noise = noise,
            Patience = o.Patience,
            SelectionTask = o.SelectionTask,
        };
        string[] names = tasks.Select(t => t.Name).ToArray();
        var losses = new LossCurveCallback(names, Math.Max(1, total / Math.Max(1, o.CurvePoints)));
        var metrics = new MetricCurveCallback();
        var history = new AllocationHistoryCallback(network, Math.Max(1, total / Math.Max(1, o.AllocationSnapshots)));
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        var config = new Dictionary<string, string>
        {
            ["rounds"] = o.Rounds.ToString(ci),
            ["batchSize"] = o.BatchSize.ToString(ci),
            ["modelLearningRate"] = o.ModelLearningRate.ToString(ci),
            ["routerLearningRate"] = o.RouterLearningRate.ToString(ci),
            ["budget"] = o.Budget?.ToString(ci) ?? "none",
            ["clipNorm"] = o.ClipNorm.ToString(ci),
            ["temperature"] = $"max({o.Temperature.Minimum.ToString(ci)}, {o.Temperature.Initial.ToString(ci)}/sqrt(n+1))",
            ["combine"] = network.RoutedLayers.Count > 0 ? network.RoutedLayers[0].Combine.ToString() : "n/a",
            ["sampler"] = sampler.Name,
            ["aggregator"] = settings.Aggregator == AggregatorKind.None ? "none" : settings.Aggregator.ToString().ToLowerInvariant(),
            ["weighting"] = weighting?.Name ?? "none",
            ["parameters"] = network.ParameterCount().ToString(ci),
        };
        return new RunPlan
        {
            Preset = preset,
            Method = method,
            Seed = settings.Seed,
            Model = model,
            Data = data,
            Evaluator = new SplitEvaluator(tasks, trainSeed),
            Options = options,
            LossCurves = losses,
            MetricCurves = metrics,
            Callbacks = [history],
            Configuration = config,
            BuildReport = outcome => RoutedReports.Build(preset, method, settings.Seed, network, outcome, losses, metrics, history),
        };
    }

    private static long Scaled(long rounds, ExperimentSettings s) => Math.Max(1, (long)Math.Round(rounds * s.ScheduleScale));

    private static IRouter Router(RoutingMethod method, int tasks, int comps, float pInit) => method switch
    {
        RoutingMethod.NoSharing => FixedRouter.NoSharing(tasks, comps),
        RoutingMethod.SharedBottom => FixedRouter.SharedBottom(tasks, comps),
        RoutingMethod.Gumbel or RoutingMethod.GumbelBudget => new GumbelMatrixRouter(tasks, comps, pInit),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// Sec. II: 2 tasks with relatedness ρ; one routed layer of 4 fully connected components — two of 1 layer
    /// (128→4) and two of 2 layers (128→4→4), ReLU on hidden and output units — whose mean goes to per-task linear
    /// heads; L2 loss. "No sharing" gives each task one component of each depth (task 0: {0, 2}, task 1: {1, 3}).
    /// The paper gives no optimiser or length for this figure: we use App. A3's (Adam 0.01, batch 64, clip 1.0,
    /// 3000 rounds).
    /// </summary>
    private static Built SyntheticTransfer(RoutingMethod method, ExperimentSettings s, Rng initRng, Rng dataRng)
    {
        var tasks = SyntheticTasks(new SyntheticRegressionOptions { ClusterSizes = [2], Rho = s.Rho }, s, dataRng);
        var comps = new ComponentGroup(
            new MlpComponents(2, [128, 4], outputRelu: true, initRng),
            new MlpComponents(2, [128, 4, 4], outputRelu: true, initRng));
        IRouter router = method == RoutingMethod.NoSharing
            ? new FixedRouter([[1, 0, 1, 0], [0, 1, 0, 1]])
            : FixedRouter.SharedBottom(2, 4);
        var model = new RoutedNetwork([new RoutedLayer(comps, router, s.Combine)], new TaskHeads(2, 4, 1, initRng), 0f, 2);
        return new Built(model, tasks, AppendixA3Options(s));
    }

    /// <summary>
    /// App. A3: 4 tasks in 2 related pairs (ρ = 1 within a pair, pairs orthogonal); one routed layer of 4 components,
    /// each 128→16→16→1 (ReLU on hidden units, linear output), no heads; batch 64, Adam 0.01 for weights and logits,
    /// gradient-norm clip 1.0, 3000 batches per task; p_init 0.5. Dataset size is not in the paper: 100,000 train
    /// and 10,000 test examples (as the peer reference).
    /// </summary>
    private static Built SyntheticGumbel(RoutingMethod method, ExperimentSettings s, Rng initRng, Rng dataRng)
    {
        var tasks = SyntheticTasks(SyntheticRegressionOptions.Pairs(2, 1.0), s, dataRng);
        var model = SyntheticGumbelModel(method, s.Combine, initRng);
        var options = AppendixA3Options(s);
        return new Built(model, tasks, options);
    }

    /// <summary>
    /// Sec. V-A / App. B: 3 routed layers × 4 conv components (5×5, 3×3, 3×3; 4 filters; valid; ReLU), shared 2×2
    /// average pooling after layers 1 and 2, flatten (36), dropout 0.5, per-task linear heads; batch 16, Adam 0.005
    /// for weights and logits, 10 epochs per task (37,500 rounds = 150,000 updates), p_init 0.5, no clipping; test
    /// accuracy at the end (no validation split). Budget run: b = 0.75, λ = 1.
    /// </summary>
    private static Built Mnist4(RoutingMethod method, ExperimentSettings s, Rng initRng)
    {
        string dir = s.DataDirectory ?? throw new ArgumentException("The mnist4 preset needs a data directory (--data DIR containing mnist/).");
        string mnistDir = Directory.Exists(Path.Combine(dir, "mnist")) ? Path.Combine(dir, "mnist") : dir;
        var imageTasks = FourMnists.Load(mnistDir);
        var tasks = imageTasks.Select(t => new TaskData(
            t.Name,
            TaskKind.Classification,
            t.NumClasses,
            new TaskSplit(t.Train.Pixels, [1, t.Train.Height, t.Train.Width], t.Train.Labels, null),
            new TaskSplit(t.Test.Pixels, [1, t.Test.Height, t.Test.Width], t.Test.Labels, null))).ToArray();

        var model = Mnist4Model(method, s.Combine, initRng);
        long rounds = Scaled(37_500, s);
        var options = new RoutedSchedule
        {
            Rounds = rounds,
            BatchSize = 16,
            ModelLearningRate = 0.005f,
            RouterLearningRate = 0.005f,
            Budget = method == RoutingMethod.GumbelBudget ? s.Budget : null,
            BudgetLambda = 1f,
            Temperature = s.Temperature ?? TemperatureSchedule.Annealed,
            EvaluateEveryRounds = Math.Max(1, rounds / 5),
        };
        return new Built(model, tasks, options);
    }

    /// <summary>App. A3's training: batch 64, Adam 0.01 for weights and logits, clip 1.0, 3000 rounds.</summary>
    private static RoutedSchedule AppendixA3Options(ExperimentSettings s) => new()
    {
        Rounds = Scaled(3000, s),
        BatchSize = 64,
        ModelLearningRate = 0.01f,
        RouterLearningRate = 0.01f,
        ClipNorm = 1f,
        Temperature = s.Temperature ?? TemperatureSchedule.Annealed,
    };

    /// <summary>The App. A3 network: one routed layer of 4 MLPs 128→16→16→1, no heads.</summary>
    public static RoutedNetwork SyntheticGumbelModel(RoutingMethod method, CombineMode combine, Rng initRng)
    {
        var layer = new RoutedLayer(new MlpComponents(4, [128, 16, 16, 1], outputRelu: false, initRng), Router(method, 4, 4, 0.5f), combine);
        return new RoutedNetwork([layer], null, 0f, 4);
    }

    /// <summary>The 4-MNISTs network (App. B): 3 routed conv layers × 4 components, pooling, dropout 0.5, heads.</summary>
    public static RoutedNetwork Mnist4Model(RoutingMethod method, CombineMode combine, Rng initRng)
    {
        Module Layer(int cin, int k) => new RoutedLayer(new ConvComponents(4, cin, 4, k, initRng), Router(method, 4, 4, 0.5f), combine);
        var stages = new List<Module>
        {
            Layer(1, 5), FunctionStage.AvgPool(2, 2),
            Layer(4, 3), FunctionStage.AvgPool(2, 2),
            Layer(4, 3),
        };
        return new RoutedNetwork(stages, new TaskHeads(4, 36, 10, initRng), 0.5f, 4);
    }

    private static TaskData[] SyntheticTasks(SyntheticRegressionOptions options, ExperimentSettings s, Rng rng)
    {
        var all = SyntheticRegression.Generate(options, s.SyntheticTrainSize + s.SyntheticTestSize, rng);
        var train = all.Slice(0, s.SyntheticTrainSize);
        var test = all.Slice(s.SyntheticTrainSize, s.SyntheticTestSize);
        var tasks = new TaskData[all.NumTasks];
        for (int t = 0; t < tasks.Length; t++)
        {
            int cluster = all.ClusterOf[t];
            tasks[t] = new TaskData(
                $"cluster{cluster}-task{t}",
                TaskKind.Regression,
                1,
                new TaskSplit(train.Inputs[t], [all.Dim], null, train.Targets[t]),
                new TaskSplit(test.Inputs[t], [all.Dim], null, test.Targets[t]));
        }

        return tasks;
    }

    private sealed record Built(RoutedNetwork Model, IReadOnlyList<TaskData> Tasks, RoutedSchedule Schedule);
}
