using MtlSharp.Data.Images;
using MtlSharp.Data.Synthetic;
using MtlSharp.MultiTask.Architectures;
using MtlSharp.MultiTask.Routing;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
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

    /// <summary>Builds data, model and options for one run.</summary>
    public static ExperimentSetup Build(PresetId preset, RoutingMethod method, ExperimentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!MethodsOf(preset).Contains(method))
        {
            throw new ArgumentException($"Preset {preset} does not support method {method}; it supports {string.Join(", ", MethodsOf(preset))}.");
        }

        var root = new Rng((ulong)settings.Seed);
        var initRng = root.Split();
        var dataRng = root.Split();
        ulong trainSeed = root.NextUInt64();
        return preset switch
        {
            PresetId.SyntheticTransfer => SyntheticTransfer(method, settings, initRng, dataRng, trainSeed),
            PresetId.SyntheticGumbel => SyntheticGumbel(method, settings, initRng, dataRng, trainSeed),
            PresetId.Mnist4 => Mnist4(method, settings, initRng, trainSeed),
            _ => throw new ArgumentOutOfRangeException(nameof(preset)),
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
    private static ExperimentSetup SyntheticTransfer(RoutingMethod method, ExperimentSettings s, Rng initRng, Rng dataRng, ulong trainSeed)
    {
        var tasks = SyntheticTasks(new SyntheticRegressionOptions { ClusterSizes = [2], Rho = s.Rho }, s, dataRng);
        var comps = new ComponentGroup(
            new MlpComponents(2, [128, 4], outputRelu: true, initRng),
            new MlpComponents(2, [128, 4, 4], outputRelu: true, initRng));
        IRouter router = method == RoutingMethod.NoSharing
            ? new FixedRouter([[1, 0, 1, 0], [0, 1, 0, 1]])
            : FixedRouter.SharedBottom(2, 4);
        var model = new RoutedNetwork([new RoutedLayer(comps, router, s.Combine)], new TaskHeads(2, 4, 1, initRng), 0f, 2);
        return new ExperimentSetup(PresetId.SyntheticTransfer, method, model, tasks, AppendixA3Options(s, trainSeed));
    }

    /// <summary>
    /// App. A3: 4 tasks in 2 related pairs (ρ = 1 within a pair, pairs orthogonal); one routed layer of 4 components,
    /// each 128→16→16→1 (ReLU on hidden units, linear output), no heads; batch 64, Adam 0.01 for weights and logits,
    /// gradient-norm clip 1.0, 3000 batches per task; p_init 0.5. Dataset size is not in the paper: 100,000 train
    /// and 10,000 test examples (as the peer reference).
    /// </summary>
    private static ExperimentSetup SyntheticGumbel(RoutingMethod method, ExperimentSettings s, Rng initRng, Rng dataRng, ulong trainSeed)
    {
        var tasks = SyntheticTasks(SyntheticRegressionOptions.Pairs(2, 1.0), s, dataRng);
        var model = SyntheticGumbelModel(method, s.Combine, initRng);
        var options = AppendixA3Options(s, trainSeed);
        return new ExperimentSetup(PresetId.SyntheticGumbel, method, model, tasks, options);
    }

    /// <summary>
    /// Sec. V-A / App. B: 3 routed layers × 4 conv components (5×5, 3×3, 3×3; 4 filters; valid; ReLU), shared 2×2
    /// average pooling after layers 1 and 2, flatten (36), dropout 0.5, per-task linear heads; batch 16, Adam 0.005
    /// for weights and logits, 10 epochs per task (37,500 rounds = 150,000 updates), p_init 0.5, no clipping; test
    /// accuracy at the end (no validation split). Budget run: b = 0.75, λ = 1.
    /// </summary>
    private static ExperimentSetup Mnist4(RoutingMethod method, ExperimentSettings s, Rng initRng, ulong trainSeed)
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
        var options = new RoutedTrainingOptions
        {
            Rounds = rounds,
            BatchSize = 16,
            ModelLearningRate = 0.005f,
            RouterLearningRate = 0.005f,
            Budget = method == RoutingMethod.GumbelBudget ? s.Budget : null,
            BudgetLambda = 1f,
            Temperature = s.Temperature ?? TemperatureSchedule.Annealed,
            EvaluateEveryRounds = Math.Max(1, rounds / 5),
            Seed = trainSeed,
            CheckpointDirectory = s.CheckpointDirectory,
        };
        return new ExperimentSetup(PresetId.Mnist4, method, model, tasks, options);
    }

    /// <summary>App. A3's training: batch 64, Adam 0.01 for weights and logits, clip 1.0, 3000 rounds.</summary>
    private static RoutedTrainingOptions AppendixA3Options(ExperimentSettings s, ulong trainSeed) => new()
    {
        Rounds = Scaled(3000, s),
        BatchSize = 64,
        ModelLearningRate = 0.01f,
        RouterLearningRate = 0.01f,
        ClipNorm = 1f,
        Temperature = s.Temperature ?? TemperatureSchedule.Annealed,
        Seed = trainSeed,
        CheckpointDirectory = s.CheckpointDirectory,
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
}
