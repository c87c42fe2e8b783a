using System.Diagnostics;
using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.NN;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// The cost of gradient aggregation (issue 10's speed criteria) on a ~110k-parameter shared trunk (MLP 784 → 128 → 64,
/// hard sharing) with T = 2 and 4 ten-way heads over the same batch of 256 rows:
/// <list type="bullet">
/// <item>a printed line per T: the per-task gradient matrix's cost in backward passes — (time of a forward pass plus T
/// per-task <see cref="Autograd.GradInto"/> passes − forward) / (T × (forward + the backward of one task's loss −
/// forward)); at most 1 means "no more than T backward passes". (<see cref="RoutedModel.Forward"/> runs the trunk once
/// per task even where the tasks share their rows, so the forward and the summed loss's backward cost T trunk passes
/// too; only the representation mode runs it once.)</item>
/// <item><c>aggregators/T{T}/NAME</c>: whole training updates (Adam) with the plain loss sum ("equal"), each
/// aggregator over the shared parameters, and mean/MGDA/GREAT over the shared representation ("NAME@rep"); the
/// per-step overhead of an aggregator is its time minus "mean"'s (which pays for the T backward passes but combines
/// trivially).</item>
/// </list>
/// </summary>
/// <remarks>With <c>factorOnly</c> (case <c>gradient-matrix</c>) only the printed factor lines.</remarks>
internal sealed class AggregatorCase(bool factorOnly = false) : IBenchCase
{
    private const int Rows = 256, Input = 784;

    public string Name => factorOnly ? "gradient-matrix" : "aggregators";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        foreach (int t in new[] { 2, 4 })
        {
            var tasks = RandomTasks(t);
            JacobianFactor(tasks, options);
            if (factorOnly)
            {
                continue;
            }

            yield return Step(tasks, "equal", null, GradientSpace.Parameters, options);
            foreach (var (name, kind) in ConfigNames.Aggregators.Where(kv => kv.Value != AggregatorKind.None))
            {
                yield return Step(tasks, name, kind, GradientSpace.Parameters, options);
            }

            foreach (var (name, kind) in new[] { ("mean", AggregatorKind.Mean), ("mgda", AggregatorKind.Mgda), ("great", AggregatorKind.Great) })
            {
                yield return Step(tasks, name + "@rep", kind, GradientSpace.Representation, options);
            }
        }
    }

    private static RoutedModel Model(int tasks)
    {
        var rng = new Rng(3);
        var trunk = new RoutedLayer(new MlpComponents(1, [Input, 128, 64], outputRelu: true, rng.Split()), FixedRouter.SharedBottom(tasks, 1), CombineMode.Mean);
        return new RoutedModel(new RoutedNetwork([trunk], new TaskHeads(64, Enumerable.Repeat(10, tasks).ToArray(), rng.Split()), 0f, tasks));
    }

    private static BenchResult Step(TaskData[] tasks, string name, AggregatorKind? kind, GradientSpace space, BenchOptions o)
    {
        var model = Model(tasks.Length);
        TrainingOutcome Train(long steps)
        {
            var rng = new Rng(0);
            var options = new TrainerOptions
            {
                TotalSteps = steps,
                Optimizers = [new Adam(model.Module.Parameters(), 1e-3f)],
                Sampler = new AllTasksSampler(tasks.Length),
                Aggregator = kind is { } k ? Aggregators.Create(k, rng.Split()) : null,
                GradientSpace = space,
                Noise = rng.Split(),
            };
            var data = new SharedRowsTrainingData(tasks, Rows, rng.Split());
            return new Trainer(model, data, new SplitEvaluator(tasks, 0), options).Train();
        }

        var (seconds, alloc) = LoopTiming.Measure(Train, 5, 10, 100_000, o);
        return new BenchResult("aggregators", $"aggregators/T{tasks.Length}/{name}", Threading.ThreadCount, seconds, null, alloc, "update");
    }

    /// <summary>
    /// (forward + T per-task gradient passes − forward) / (T × (forward + one task's backward − forward)), from interleaved
    /// timed repeats (fastest and median): the per-task gradient matrix's cost in backward passes of the shared part.
    /// </summary>
    private static void JacobianFactor(TaskData[] tasks, BenchOptions o)
    {
        var model = Model(tasks.Length);
        var parameters = model.Module.Parameters();
        var wrt = parameters.Select(p => p.Value).ToList();
        var row = new float[wrt.Sum(x => x.Length)];
        var data = new SharedRowsTrainingData(tasks, Rows, new Rng(1));
        var batch = data.Next(Enumerable.Range(0, tasks.Length).ToArray());
        var infos = tasks.Select(t => t.Info).ToArray();
        var arena = new TensorArena();

        Tensor[] Losses()
        {
            var outputs = model.Forward(batch, new ForwardContext(0, true, new Rng(2), 1f));
            return outputs.Select((y, t) => TaskLoss.Compute(infos[t], y, batch.Parts[t].Targets)!.Value.Loss).ToArray();
        }

        void Forward(Tensor[] l)
        {
        }

        // One backward pass of the shared part: one task's loss (through the trunk and that task's head).
        void One(Tensor[] l)
        {
            foreach (var p in parameters)
            {
                p.ZeroGrad();
            }

            Autograd.Backward(l[0]);
        }

        // The loop's way (Trainer.GradientRows): each task's gradient straight into its row of the matrix.
        var matrix = new float[tasks.Length * row.Length];
        var targets = new GradTarget[wrt.Count];
        void Each(Tensor[] l)
        {
            for (int t = 0; t < l.Length; t++)
            {
                int at = t * row.Length;
                for (int k = 0; k < wrt.Count; k++)
                {
                    targets[k] = new GradTarget(wrt[k], matrix, at);
                    at += wrt[k].Length;
                }

                Autograd.GradInto(l[t], targets);
            }
        }

        // The three variants run interleaved, repeat by repeat, so that a change in the machine's load falls on all
        // three alike; the fastest repeat of each is the figure (the median is printed beside it).
        Action<Tensor[]>[] variants = [Forward, One, Each];
        var times = variants.Select(_ => new List<double>()).ToArray();
        int repeats = Math.Max(60, (int)(60 * o.WindowSeconds));
        for (int r = -10; r < repeats; r++)   // ten warm-up rounds (JIT, buffer pools)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                using var scope = arena.Enter();
                var sw = Stopwatch.StartNew();
                variants[v](Losses());
                sw.Stop();
                if (r >= 0)
                {
                    times[v].Add(sw.Elapsed.TotalSeconds);
                }
            }
        }

        foreach (var list in times)
        {
            list.Sort();
        }

        foreach (var (label, pick) in new (string, Func<List<double>, double>)[] { ("fastest", l => l[0]), ("median", l => l[l.Count / 2]) })
        {
            double forward = pick(times[0]), one = pick(times[1]), each = pick(times[2]);
            double factor = (each - forward) / (tasks.Length * (one - forward));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"aggregators/T{tasks.Length} ({label} of {repeats} interleaved repeats): forward {forward * 1e3:F3} ms, + one task's backward {(one - forward) * 1e3:F3} ms, + {tasks.Length} per-task gradients {(each - forward) * 1e3:F3} ms: {factor:F2} backward passes per task"));
        }
    }

    private static TaskData[] RandomTasks(int count)
    {
        var rng = new Rng(7);
        var x = new float[Rows * 4 * Input];
        rng.FillNormal(x, 0, 1);
        int[] shape = [Input];
        return Enumerable.Range(0, count).Select(t =>
        {
            var labels = Enumerable.Range(0, Rows * 4).Select(i => (i * (t + 3)) % 10).ToArray();
            return new TaskData($"t{t}", TaskKind.Classification, 10, new TaskSplit(x, shape, labels, null), new TaskSplit(x[..(16 * Input)], shape, labels[..16], null));
        }).ToArray();
    }
}
