using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Whole MMoE training updates (issue 11's speed criterion) on the income preset's model: 67 inputs (income's one-hot
/// width), 4 experts 67 → 32 → 16 (ReLU), a softmax gate per task, linear towers 16 → 2 for two classification tasks
/// over the same 64 rows; loss = sum of the two cross-entropies, Adam (1e-3). Random inputs and labels. The PyTorch
/// side is <c>benchmarks/torch/bench_experts.py</c> (experts batched with <c>baddbmm</c>, as ours are one batched op).
/// Key <c>experts/mmoe-income</c>.
/// </summary>
internal sealed class ExpertCase : IBenchCase
{
    private const int Rows = 64, Input = 67;

    public string Name => "experts";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        var rng = new Rng(5);
        var network = new MixtureOfExperts(Input, 4, [32, 16], GateMode.PerTask, [], [2, 2], rng);
        var model = new ExpertModel(network, ["income", "married"]);
        var tasks = RandomTasks(rng);

        TrainingOutcome Train(long steps)
        {
            var seed = new Rng(0);
            var trainer = new TrainerOptions
            {
                TotalSteps = steps,
                Optimizers = [new Adam(network.Parameters(), 1e-3f)],
                Sampler = new AllTasksSampler(2),
                Noise = seed.Split(),
            };
            var data = new SharedRowsTrainingData(tasks, Rows, seed.Split());
            return new Trainer(model, data, new SplitEvaluator(tasks, 0), trainer).Train();
        }

        var (seconds, alloc) = LoopTiming.Measure(Train, 200, 400, 1_000_000, options);
        yield return new BenchResult("experts", "experts/mmoe-income", Threading.ThreadCount, seconds, null, alloc, "update");
    }

    private static TaskData[] RandomTasks(Rng rng)
    {
        const int n = 512;
        var x = new float[n * Input];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextFloat() < 0.15f ? 1f : 0f;   // one-hot-like sparse 0/1 rows
        }

        int[] shape = [Input];
        return Enumerable.Range(0, 2).Select(t =>
        {
            var labels = Enumerable.Range(0, n).Select(i => (i * (t + 3)) % 2).ToArray();
            return new TaskData($"t{t}", TaskKind.Classification, 2, new TaskSplit(x, shape, labels, null), new TaskSplit(x[..(16 * Input)], shape, labels[..16], null));
        }).ToArray();
    }
}
