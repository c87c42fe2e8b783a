using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Batch prediction with a trained routed model or expert mixture (MMoE, one-gate MoE, PLE/CGC), safe to call from
/// many threads at once: the weights are loaded once and only read afterwards; each call runs in evaluation mode (no
/// dropout, no gradient tape) with the maximum-likelihood allocation of every routed layer, as <c>mtl export</c>'s
/// ONNX graph does. BiLSTM taggers have their own, <see cref="TaggerPredictor"/>, and so do multi-input and sentence
/// models, <see cref="MultiInputPredictor"/>.
/// </summary>
/// <remarks>
/// Inputs are rows of the run's example shape (<see cref="InputShape"/>), in the run's encoding (e.g. encoded CSV rows);
/// outputs are logits (classification, multi-label) or predicted values (regression; for CSV regression tasks in the
/// standardised units the model was trained on), <see cref="TaskInfo.Outputs"/> per row. Calls copy their input and
/// return fresh arrays. Nothing may change the model's weights while predictions run.
/// </remarks>
public sealed class Predictor
{
    private const int ChunkRows = 256;

    private readonly RoutedNetwork? _network;
    private readonly ExpertNetwork? _experts;
    private readonly ThreadLocal<TensorArena> _arenas = new(() => new TensorArena());
    private readonly int _rowSize;
    private readonly int[] _shape;

    /// <summary>Predicts with <paramref name="plan"/>'s routed model as it is (its current weights).</summary>
    /// <exception cref="NotSupportedException">The model is not a routed network or expert mixture (e.g. a tagger), or the run's example shape is unknown.</exception>
    public Predictor(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        switch (plan.Model)
        {
            case RoutedModel routed:
                _network = routed.Network;
                _network.Eval();
                break;
            case ExpertModel experts:
                _experts = experts.Network;
                _experts.Eval();
                break;
            default:
                throw new NotSupportedException($"The predictor takes routed and expert models; {plan.Preset}/{plan.Method} is a {plan.Model.GetType().Name} (taggers: TaggerPredictor; multi-input and sentence models: MultiInputPredictor).");
        }

        if (plan.Evaluator is not SplitEvaluator { Splits.Count: > 0 } splits)
        {
            throw new NotSupportedException($"{plan.Preset}/{plan.Method}: the run's example shape is unknown (its evaluator holds no test split).");
        }

        _shape = (int[])splits.Splits[0].Test.SampleShape.Clone();
        _rowSize = splits.Splits[0].Test.SampleSize;
        Tasks = plan.Data.Tasks;
    }

    /// <summary>
    /// Loads the weights of <paramref name="checkpoint"/> (a checkpoint folder, e.g. <c>runs/…/checkpoints/last</c>,
    /// or its <c>model.safetensors</c>) into <paramref name="plan"/>'s model, once, and predicts with it.
    /// <paramref name="plan"/> must be the checkpoint's run (e.g. rebuilt with <c>ConfigRunBuilder.Build</c>).
    /// </summary>
    public static Predictor Load(RunPlan plan, string checkpoint)
    {
        LoadWeights(plan, checkpoint);
        return new Predictor(plan);
    }

    /// <summary>
    /// Loads the weights of <paramref name="checkpoint"/> (a checkpoint folder or its <c>model.safetensors</c>) into
    /// <paramref name="plan"/>'s model (shared with <see cref="TaggerPredictor.Load"/>).
    /// </summary>
    internal static void LoadWeights(RunPlan plan, string checkpoint)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(checkpoint);
        string file = checkpoint;
        if (Directory.Exists(checkpoint))
        {
            string dir = CheckpointFolder.Resolve(checkpoint)
                ?? throw new FileNotFoundException($"No complete checkpoint in '{checkpoint}': {Checkpoint.MetadataFile} is missing.");
            file = Path.Combine(dir, Checkpoint.ModelFile);
        }

        Checkpoint.LoadModel(plan.Model.Module, file);
    }

    /// <summary>The run's tasks, in model order.</summary>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <summary>Shape of one example (input rows are this many values: the product of its dimensions).</summary>
    public IReadOnlyList<int> InputShape => _shape;

    /// <summary>The index of the task named <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">No such task.</exception>
    public int TaskIndex(string task)
    {
        for (int t = 0; t < Tasks.Count; t++)
        {
            if (string.Equals(Tasks[t].Name, task, StringComparison.Ordinal))
            {
                return t;
            }
        }

        throw new ArgumentException($"Unknown task '{task}'; the tasks are: {string.Join(", ", Tasks.Select(i => i.Name))}.", nameof(task));
    }

    /// <summary>Task <paramref name="task"/>'s outputs for the rows of <paramref name="inputs"/>: [rows × outputs], row-major.</summary>
    public float[] Predict(string task, ReadOnlySpan<float> inputs) => Predict(TaskIndex(task), inputs);

    /// <summary>Task <paramref name="task"/>'s outputs for the rows of <paramref name="inputs"/>: [rows × outputs], row-major.</summary>
    public float[] Predict(int task, ReadOnlySpan<float> inputs)
    {
        CheckTask(task);
        var ctx = new RoutingContext(task, false, 1f, new Rng(0));
        return _network is not null
            ? RunChunked([task], inputs, x => [_network.Forward(x, ctx)])[0]
            : RunChunked([task], inputs, x => [_experts!.Forward(x, task)])[0];
    }

    /// <summary>
    /// Every task's outputs for the rows of <paramref name="inputs"/>, in model order: what <see cref="Predict(int, ReadOnlySpan{float})"/>
    /// gives each task, but for a routed network in one pass — a component that several tasks use on the same input
    /// is evaluated once.
    /// </summary>
    public float[][] PredictAll(ReadOnlySpan<float> inputs) => Predict(Enumerable.Range(0, Tasks.Count).ToArray(), inputs);

    /// <summary>
    /// The outputs of the tasks <paramref name="tasks"/> (indices into <see cref="Tasks"/>) for the rows of
    /// <paramref name="inputs"/>, in that order; see <see cref="PredictAll"/>.
    /// </summary>
    public float[][] Predict(IReadOnlyList<int> tasks, ReadOnlySpan<float> inputs)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (_network is null || tasks.Count <= 1)
        {
            var each = new float[tasks.Count][];
            for (int i = 0; i < each.Length; i++)
            {
                each[i] = Predict(tasks[i], inputs);
            }

            return each;
        }

        int[] chosen = [.. tasks];
        foreach (int task in chosen)
        {
            CheckTask(task);
        }

        // A routed network: every task from one pass, the layers' shared components evaluated once.
        return RunChunked(chosen, inputs, x => _network.ForwardEvaluation(x, chosen, new Rng(0)));
    }

    private void CheckTask(int task)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(task, nameof(task));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(task, Tasks.Count, nameof(task));
    }

    /// <summary>
    /// Runs <paramref name="forward"/> (one output per task of <paramref name="chosen"/>) over the rows of
    /// <paramref name="inputs"/> in chunks of <see cref="ChunkRows"/>, without a gradient tape, each chunk in a scope of
    /// the calling thread's arena, and gathers each task's outputs.
    /// </summary>
    private float[][] RunChunked(int[] chosen, ReadOnlySpan<float> inputs, Func<Tensor, Tensor[]> forward)
    {
        if (inputs.Length % _rowSize != 0)
        {
            throw new ArgumentException($"{inputs.Length} values are not whole rows of shape [{string.Join(", ", _shape)}] ({_rowSize} values each).", nameof(inputs));
        }

        int rows = inputs.Length / _rowSize;
        var all = new float[chosen.Length][];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = new float[rows * Tasks[chosen[i]].Outputs];
        }

        var dims = new int[_shape.Length + 1];
        _shape.CopyTo(dims, 1);
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, rows - start);
            dims[0] = n;
            using var scope = _arenas.Value!.Enter();   // one buffer pool per calling thread, reused chunk after chunk
            var x = Tensor.FromArray(inputs.Slice(start * _rowSize, n * _rowSize), dims);
            Tensor[] ys = forward(x);
            for (int i = 0; i < all.Length; i++)
            {
                int width = Tasks[chosen[i]].Outputs;
                ReadOnlySpan<float> y = ys[i].Span;
                if (y.Length != n * width)
                {
                    throw new InvalidOperationException($"Task '{Tasks[chosen[i]].Name}' gave {y.Length} values for {n} rows; expected {width} per row.");
                }

                y.CopyTo(all[i].AsSpan(start * width));
            }
        }

        return all;
    }
}
