using System.Globalization;
using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Batch prediction with a trained multi-input model (<c>model.type</c> "multi-input", e.g. preset
/// <c>multimodal</c>) or sentence model (<c>ewt-genre</c>, its class prior too), safe to call from many threads at
/// once: the weights are loaded once and only read afterwards; each call runs in evaluation mode (no dropout, no
/// gradient tape; a routed core with its maximum-likelihood allocation), as <c>mtl export</c>'s ONNX graph does.
/// </summary>
/// <remarks>
/// <para>Each task reads one kind of input (<see cref="Inputs"/>): images and table rows are float rows
/// (<see cref="Predict(int, ReadOnlySpan{float})"/>: images [C, H, W] as grey levels / 255, table rows in the run's
/// encoding — <see cref="TaskInputFormat.Csv"/> encodes CSV records); sentences are tokens
/// (<see cref="Predict(int, IReadOnlyList{IReadOnlyList{string}})"/>), hashed into letter-trigram bags or looked up
/// in the run's vocabularies exactly as in training. A task given the wrong kind of input is refused with an
/// <see cref="ArgumentException"/> naming what it reads.</para>
/// <para>Outputs are logits (regression: values in the standardised units of training), one row per example, or per
/// token for tagging tasks. Calls copy their input and return fresh arrays. Nothing may change the model's weights
/// while predictions run.</para>
/// </remarks>
public sealed class MultiInputPredictor
{
    /// <summary>Sentences per forward pass of a BiLSTM encoder (sorted by length, so batches pad little).</summary>
    public const int BatchSentences = 64;

    private const int ChunkRows = 256;
    private readonly IMultiTaskModel _model;
    private readonly ThreadLocal<TensorArena> _arenas = new(() => new TensorArena());

    /// <summary>Predicts with <paramref name="plan"/>'s model as it is (its current weights).</summary>
    /// <exception cref="NotSupportedException">The run is not a multi-input or sentence run.</exception>
    public MultiInputPredictor(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.TaskInputs is not { } inputs || plan.Model is not (MultiInputModel or ClassPriorModel))
        {
            throw new NotSupportedException($"The multi-input predictor takes multi-input and sentence runs; {plan.Preset}/{plan.Method} is a {plan.Model.GetType().Name} (routed and expert models: Predictor; taggers: TaggerPredictor).");
        }

        _model = plan.Model;
        _model.Module.Eval();
        Tasks = plan.Data.Tasks;
        Inputs = inputs;
    }

    /// <summary>
    /// Loads the weights of <paramref name="checkpoint"/> (a checkpoint folder or its <c>model.safetensors</c>) into
    /// <paramref name="plan"/>'s model, once, and predicts with it. <paramref name="plan"/> must be the checkpoint's
    /// run (e.g. rebuilt with <c>ConfigRunBuilder.Build</c> from the same configuration, seed and data).
    /// </summary>
    public static MultiInputPredictor Load(RunPlan plan, string checkpoint)
    {
        Predictor.LoadWeights(plan, checkpoint);
        return new MultiInputPredictor(plan);
    }

    /// <summary>The run's tasks, in model order.</summary>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <summary>What each task reads, in model order.</summary>
    public IReadOnlyList<TaskInputFormat> Inputs { get; }

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

    /// <summary>The names of task <paramref name="task"/>'s outputs: class or tag names where the run knows them, else class indices.</summary>
    public IReadOnlyList<string> Labels(int task) =>
        Inputs[task].Labels ?? Enumerable.Range(0, Tasks[task].Outputs).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Values per input row of an image or table-row task ([C·H·W] or the encoded row's width).</summary>
    /// <exception cref="ArgumentException">The task reads sentences.</exception>
    public int RowSize(int task)
    {
        var f = Format(task);
        return f.Kind switch
        {
            TaskInputKind.Images => f.ImageShape!.Aggregate(1, (a, b) => a * b),
            TaskInputKind.Rows => f.Csv!.InputWidth,
            _ => throw Mismatch(task, "float rows"),
        };
    }

    /// <summary>Whether <paramref name="word"/> is in the vocabulary task <paramref name="task"/> reads (true for tasks without one, e.g. letter trigrams).</summary>
    public bool IsKnownWord(int task, string word) => Format(task).Batcher is not { } b || b.Words.TryGetId(word, out _);

    /// <summary>
    /// Task <paramref name="task"/>'s outputs for the rows of <paramref name="inputs"/> (an image or table-row task):
    /// [rows × outputs], row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The task reads sentences, or the values are not whole rows.</exception>
    public float[] Predict(int task, ReadOnlySpan<float> inputs)
    {
        var f = Format(task);
        int size = RowSize(task);
        if (inputs.Length % size != 0)
        {
            throw new ArgumentException($"{inputs.Length} values are not whole rows of {size} values (task '{Tasks[task].Name}').", nameof(inputs));
        }

        int rows = inputs.Length / size;
        int width = Tasks[task].Outputs;
        var result = new float[rows * width];
        int[] dims = f.Kind == TaskInputKind.Images ? [0, .. f.ImageShape!] : [0, size];
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, rows - start);
            dims[0] = n;
            using var scope = _arenas.Value!.Enter();
            var x = Tensor.FromArray(inputs.Slice(start * size, n * size), dims);
            Forward(task, new TensorInput(x), n).CopyTo(result.AsSpan(start * width));
        }

        return result;
    }

    /// <summary>
    /// Task <paramref name="task"/>'s outputs for <paramref name="sentences"/> (a sentence task): per sentence
    /// [sentences × outputs], or for a tagging task per token [tokens × tags] (the first sentence's tokens first).
    /// </summary>
    /// <exception cref="ArgumentException">The task does not read sentences, or a sentence has no tokens, or a token is empty.</exception>
    public float[] Predict(int task, IReadOnlyList<IReadOnlyList<string>> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var f = Format(task);
        if (f.Kind != TaskInputKind.Sentences)
        {
            throw Mismatch(task, "sentences");
        }

        var (tagged, offsets, tokens) = PredictionSentences.Read(sentences, nameof(sentences));

        int width = Tasks[task].Outputs;
        var result = new float[(f.PerToken ? tokens : tagged.Length) * width];
        using var noGrad = Autograd.NoGrad();
        if (f.Batcher is not { } batcher)
        {
            // Trigram bags (or the class prior, which reads only the number of rows): no padding, any order.
            var empty = new SparseBag([], []);
            for (int start = 0; start < tagged.Length; start += ChunkRows)
            {
                int n = Math.Min(ChunkRows, tagged.Length - start);
                using var scope = _arenas.Value!.Enter();
                var bags = new SparseBag[n];
                for (int i = 0; i < n; i++)
                {
                    bags[i] = f.Hasher is { } h ? h.Bag(tagged[start + i].Words) : empty;
                }

                Forward(task, new BagInput(bags), n).CopyTo(result.AsSpan(start * width));
            }

            return result;
        }

        // Longest first (stable), so each batch pads little.
        int[] order = Enumerable.Range(0, tagged.Length).OrderByDescending(i => tagged[i].Length).ToArray();
        for (int start = 0; start < order.Length; start += BatchSentences)
        {
            int n = Math.Min(BatchSentences, order.Length - start);
            using var scope = _arenas.Value!.Enter();
            var batch = batcher.Create(tagged, order.AsSpan(start, n));
            int maxLength = batch.MaxLength;
            var y = Forward(task, new SentenceInput(batch), f.PerToken ? n * maxLength : n);
            for (int r = 0; r < n; r++)
            {
                int sentence = order[start + r];
                if (f.PerToken)
                {
                    y.Slice(r * maxLength * width, tagged[sentence].Length * width).CopyTo(result.AsSpan(offsets[sentence] * width));
                }
                else
                {
                    y.Slice(r * width, width).CopyTo(result.AsSpan(sentence * width));
                }
            }
        }

        return result;
    }

    private ReadOnlySpan<float> Forward(int task, BatchInput input, int rows)
    {
        var targets = new TaskTargets(new int[rows], null);
        ReadOnlySpan<float> y = _model.Forward(new MultiTaskBatch([new TaskBatch(task, input, targets)]), new ForwardContext(0, false, new Rng(0), 1f))[0].Span;
        if (y.Length != rows * Tasks[task].Outputs)
        {
            throw new InvalidOperationException($"Task '{Tasks[task].Name}' gave {y.Length} values for {rows} rows; expected {Tasks[task].Outputs} per row.");
        }

        return y;
    }

    private TaskInputFormat Format(int task)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(task, Tasks.Count);
        return Inputs[task];
    }

    private ArgumentException Mismatch(int task, string given) =>
        new($"Task '{Tasks[task].Name}' reads {Describe(Inputs[task].Kind)} (input '{Inputs[task].Input}'), not {given}.");

    /// <summary>A kind of input in words, for messages.</summary>
    public static string Describe(TaskInputKind kind) => kind switch
    {
        TaskInputKind.Images => "images",
        TaskInputKind.Rows => "table rows",
        _ => "sentences",
    };
}
