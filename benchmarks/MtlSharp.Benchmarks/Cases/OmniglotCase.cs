using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Training updates of the Omniglot presets (spec A10(e)): the network the <c>omniglot</c> (105×105, 48 channels) and
/// <c>omniglot-cpu</c> presets build, 20 tasks of 40 classes on random images of the preset's size, batch 16, the
/// round sampler, L2 3e-4, an Adam for the weights and one for the router — the loop a preset run uses, without
/// callbacks and evaluations (cases <c>omniglot-cpu</c> and <c>omniglot</c>): Gumbel-Matrix (every component computed
/// while the router trains) and, for the CPU preset, shared bottom. The full configuration is slow (seconds per
/// update on a CPU), so it is timed over 8 updates (the first 8 tasks of a round) after 2 of warm-up instead of the
/// usual growing windows.
/// </summary>
internal sealed class OmniglotCase(bool full) : IBenchCase
{
    /// <summary>Updates timed for the full configuration (after two of warm-up).</summary>
    private const int FullUpdates = 8;

    public string Name => full ? "omniglot" : "omniglot-cpu";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        foreach (string method in full ? ["gumbel"] : new[] { "gumbel", "shared-bottom" })
        {
            yield return Measure(Name, method, options, full);
        }
    }

    private static BenchResult Measure(string preset, string method, BenchOptions o, bool full)
    {
        var config = BuiltInConfigs.Load(preset).ResolveWithoutFiles(method, null);
        var spec = (RoutedModelSpec)config.Model;
        int size = ((OmniglotSource)config.Data).Size, taskCount = config.Tasks.Count;
        var rng = new Rng(1);
        var network = ConfigRunBuilder.Network(spec, config.Tasks.Select(t => t.Name).ToArray(), Enumerable.Repeat(40, taskCount).ToArray(), [1, size, size], null, rng);
        var model = new RoutedModel(network, l2: spec.L2);
        Console.Error.WriteLine($"{preset}/{method}: {network.Parameters().Sum(p => (long)p.Length):N0} parameters");   // P of the README's data-parallel projection
        var tasks = RandomTasks(taskCount, size, rng);

        TrainingOutcome Train(long steps)
        {
            var seed = new Rng(0);
            var sampler = new RoundSampler(taskCount, seed.Split());
            var orders = new Rng[taskCount];
            for (int t = 0; t < taskCount; t++)
            {
                orders[t] = seed.Split();
            }

            var routing = network.Parameters(ParameterRole.Routing);
            IOptimizer[] optimizers = routing.Count > 0
                ? [new Adam(network.Parameters(k => k.Role != ParameterRole.Routing), 1e-4f), new Adam(routing, 2e-3f)]
                : [new Adam(network.Parameters(k => k.Role != ParameterRole.Routing), 1e-4f)];
            var options = new TrainerOptions { TotalSteps = steps, Optimizers = optimizers, Sampler = sampler, Noise = seed.Split() };
            return new Trainer(model, new SplitTrainingData(tasks, 16, orders), new SplitEvaluator(tasks, 0, 16), options).Train();
        }

        double seconds;
        double alloc = 0;
        if (full)
        {
            Train(2);
            var outcome = Train(FullUpdates);
            seconds = outcome.TrainSeconds / outcome.Updates;
        }
        else
        {
            (seconds, alloc) = LoopTiming.Measure(Train, taskCount, taskCount, 1000L * taskCount, o);
        }

        return new BenchResult("omniglot", $"omniglot/{(full ? "full" : "cpu")}/{method}", Threading.ThreadCount, seconds, null, alloc, "update");
    }

    private static TaskData[] RandomTasks(int count, int size, Rng rng)
    {
        int n = 64, px = size * size;
        var x = new float[n * px];
        rng.FillUniform(x, 0, 1);
        var labels = Enumerable.Range(0, n).Select(i => i % 40).ToArray();
        int[] shape = [1, size, size];
        TaskSplit Split(int rows) => new(x[..(rows * px)], shape, labels[..rows], null);
        return Enumerable.Range(0, count).Select(t => new TaskData($"t{t}", TaskKind.Classification, 40, Split(n), Split(16))).ToArray();
    }
}
