using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Whole Gumbel-Matrix training updates (forward, backward, both Adam steps; straight-through sampling; clip 1.0
/// for the synthetic model) on random inputs, tasks cycled by the round scheduler — the same definition as the
/// PyTorch script <c>benchmarks/torch/bench_train.py</c> and the peer's <c>bench.py</c>. Also reports managed
/// bytes allocated per update in steady state.
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
        var model = build(rng);
        var tasks = RandomTasks(model.Tasks, sample, kind, rng);
        RoutedTrainingOptions Options(long rounds) => new()
        {
            Rounds = rounds, BatchSize = batch, ModelLearningRate = 1e-3f, RouterLearningRate = 1e-3f, ClipNorm = clip,
            CurvePoints = 10, AllocationSnapshots = 2, EvaluationBatchSize = 256,
        };

        // Warm up, then time runs of growing length; the per-update cost is the slope (excludes fixed costs).
        new RoutedTrainer(model, tasks, Options(50)).Run();
        var times = new List<double>();
        long rounds = 100;
        double target = Math.Max(0.3, o.WindowSeconds);
        while (true)
        {
            var outcome = new RoutedTrainer(model, tasks, Options(rounds)).Run();
            if (outcome.TrainSeconds >= target || rounds > 1_000_000)
            {
                break;
            }

            rounds *= 2;
        }

        double allocPerUpdate = 0;
        for (int w = 0; w < o.Windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = new RoutedTrainer(model, tasks, Options(rounds)).Run();
            long small = GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(outcome.TrainSeconds / outcome.Updates);
            if (w == 0)
            {
                before = GC.GetAllocatedBytesForCurrentThread();
                new RoutedTrainer(model, tasks, Options(rounds * 2)).Run();
                long big = GC.GetAllocatedBytesForCurrentThread() - before;
                allocPerUpdate = (big - small) / (double)(rounds * model.Tasks);
            }
        }

        times.Sort();
        return new BenchResult("train", key, Threading.ThreadCount, times[times.Count / 2], null, allocPerUpdate, "update");
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
