using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Whole Gumbel-Matrix training updates (forward, backward, both Adam steps; straight-through sampling; clip 1.0
/// for the synthetic model) on random inputs, tasks cycled by the round sampler — the same definition as the
/// PyTorch script <c>benchmarks/torch/bench_train.py</c> and the peer's <c>bench.py</c>. Runs through the one
/// training loop (<see cref="Trainer"/>) wired as <see cref="GumbelExperiments"/> wires a routed run (round sampler,
/// split training data, <see cref="RoutedModel"/>, an Adam for the weights and one for the router logits, split
/// evaluator), without callbacks. Also reports managed bytes allocated per update in steady state.
/// </summary>
internal sealed class TrainStepCase : IBenchCase
{
    public string Name => "train";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        yield return Measure("train/synthetic-gumbel", options, rng => GumbelExperiments.SyntheticGumbelModel(RoutingMethod.Gumbel, CombineMode.Mean, rng), [128], TaskKind.Regression, 64, 1f);
        yield return Measure("train/mnist4", options, rng => GumbelExperiments.Mnist4Model(RoutingMethod.Gumbel, CombineMode.Mean, rng), [1, 28, 28], TaskKind.Classification, 16, 0f);
    }

    private static BenchResult Measure(string key, BenchOptions o, Func<Rng, RoutedNetwork> build, int[] sample, TaskKind kind, int batch, float clip)
    {
        var rng = new Rng(1);
        var network = build(rng);
        var tasks = RandomTasks(network.Tasks, sample, kind, rng);
        var model = new RoutedModel(network);
        int taskCount = tasks.Length;

        // One fresh loop per run, seeded as the old RoutedTrainer was (seed 0: round order, then each task's data
        // order, then the noise stream); the network keeps training across runs.
        TrainingOutcome Train(long steps)
        {
            var seed = new Rng(0);
            var sampler = new RoundSampler(taskCount, seed.Split());
            var orders = new Rng[taskCount];
            for (int t = 0; t < taskCount; t++)
            {
                orders[t] = seed.Split();
            }

            var noise = seed.Split();
            var options = new TrainerOptions
            {
                TotalSteps = steps,
                Optimizers =
                [
                    new Adam(network.Parameters(k => k.Role != ParameterRole.Routing), 1e-3f),
                    new Adam(network.Parameters(ParameterRole.Routing), 1e-3f),
                ],
                Sampler = sampler,
                ClipNorm = clip,
                Noise = noise,
            };
            var data = new SplitTrainingData(tasks, batch, orders);
            return new Trainer(model, data, new SplitEvaluator(tasks, 0), options).Train();
        }

        // Lengths are whole rounds (every task once), as before: warm-up 50 rounds, then 100, 200, ...
        var (seconds, best, alloc) = LoopTiming.MeasureWithBest(Train, 50L * taskCount, 100L * taskCount, 1_000_000L * taskCount, o);
        return new BenchResult("train", key, Threading.ThreadCount, seconds, null, alloc, "update") { BestSecondsPerIteration = best };
    }

    private static TaskData[] RandomTasks(int count, int[] sample, TaskKind kind, Rng rng)
    {
        int n = 512, size = sample.Aggregate(1, (a, b) => a * b);
        var x = new float[n * size];
        rng.FillNormal(x, 0, 1);
        var labels = Enumerable.Range(0, n).Select(i => i % 10).ToArray();
        var targets = new float[n];
        rng.FillNormal(targets, 0, 1);
        TaskSplit Split(int rows) => kind == TaskKind.Classification
            ? new TaskSplit(x[..(rows * size)], sample, labels[..rows], null)
            : new TaskSplit(x[..(rows * size)], sample, null, targets[..rows]);
        return Enumerable.Range(0, count)
            .Select(t => new TaskData($"t{t}", kind, kind == TaskKind.Classification ? 10 : 1, Split(n), Split(16)))
            .ToArray();
    }
}
