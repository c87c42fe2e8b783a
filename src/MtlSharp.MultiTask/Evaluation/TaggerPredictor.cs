using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Batch prediction with a trained BiLSTM tagger (single task, hard sharing, low supervision, cross-stitch, sluice),
/// safe to call from many threads at once: the weights are loaded once and only read afterwards; each call runs in
/// evaluation mode (no noise, no word dropout, no gradient tape), as <c>mtl export</c>'s ONNX graph does.
/// </summary>
/// <remarks>
/// <para>Sentences are tokens (e.g. a line split on whitespace). Words and characters are looked up in the run's
/// vocabularies exactly as in training: a word or character not seen in the training split becomes &lt;unk&gt;,
/// words keep at most the run's maximum number of characters. Outputs are logits per token
/// (<see cref="TaskInfo.Outputs"/> = the task's tag count; softmax for probabilities), tag names in
/// <see cref="Labels"/>.</para>
/// <para>A call sorts its sentences by length and runs them in batches of <see cref="BatchSentences"/> (little
/// padding); results come back in the order given. Nothing may change the model's weights while predictions run.</para>
/// </remarks>
public sealed class TaggerPredictor
{
    /// <summary>Sentences per forward pass.</summary>
    public const int BatchSentences = 64;

    private readonly SequenceTagger _tagger;
    private readonly SentenceBatcher _batcher;
    private readonly ThreadLocal<TensorArena> _arenas = new(() => new TensorArena());

    /// <summary>Predicts with <paramref name="plan"/>'s tagger as it is (its current weights).</summary>
    /// <exception cref="NotSupportedException">The model is not a tagger, or the run's vocabularies are unknown.</exception>
    public TaggerPredictor(RunPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Model is not TaggerModel model)
        {
            throw new NotSupportedException($"The tagger predictor takes BiLSTM taggers; {plan.Preset}/{plan.Method} is a {plan.Model.GetType().Name}.");
        }

        if (plan.Evaluator is not TaggingEvaluator evaluator)
        {
            throw new NotSupportedException($"{plan.Preset}/{plan.Method}: the run's vocabularies are unknown (its evaluator is not a tagging evaluator).");
        }

        _tagger = model.Tagger;
        _tagger.Eval();
        _batcher = evaluator.Batcher;
        Tasks = plan.Data.Tasks;
    }

    /// <summary>
    /// Loads the weights of <paramref name="checkpoint"/> (a checkpoint folder or its <c>model.safetensors</c>) into
    /// <paramref name="plan"/>'s tagger, once, and predicts with it. <paramref name="plan"/> must be the checkpoint's
    /// run (same preset, method, training genre and data).
    /// </summary>
    public static TaggerPredictor Load(RunPlan plan, string checkpoint)
    {
        Predictor.LoadWeights(plan, checkpoint);
        return new TaggerPredictor(plan);
    }

    /// <summary>The run's tasks, in model order (main task first).</summary>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <summary>The tag names of task <paramref name="task"/>, in output order.</summary>
    public IReadOnlyList<string> Labels(int task) => _batcher.Tasks[task].Tags.Tokens;

    /// <summary>Whether <paramref name="word"/> is in the run's word vocabulary (otherwise it is read as &lt;unk&gt;).</summary>
    public bool IsKnownWord(string word) => _batcher.Words.TryGetId(word, out _);

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

    /// <summary>
    /// Every task's logits for <paramref name="sentences"/>, in model order: per task [tokens × tags], row-major, the
    /// tokens of the first sentence first.
    /// </summary>
    /// <exception cref="ArgumentException">A sentence has no tokens, or a token is empty or null.</exception>
    public float[][] Predict(IReadOnlyList<IReadOnlyList<string>> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var (tagged, offsets, tokens) = PredictionSentences.Read(sentences, nameof(sentences));

        var result = new float[Tasks.Count][];
        for (int t = 0; t < result.Length; t++)
        {
            result[t] = new float[tokens * Tasks[t].Outputs];
        }

        // Longest first (stable), so each batch pads little.
        int[] order = Enumerable.Range(0, tagged.Length).OrderByDescending(i => tagged[i].Length).ToArray();
        using var noGrad = Autograd.NoGrad();
        for (int start = 0; start < order.Length; start += BatchSentences)
        {
            int n = Math.Min(BatchSentences, order.Length - start);
            using var scope = _arenas.Value!.Enter();   // one buffer pool per calling thread, reused batch after batch
            var batch = _batcher.Create(tagged, order.AsSpan(start, n));
            var logits = _tagger.Forward(batch, batch.WordIds);
            int maxLength = batch.MaxLength;
            for (int t = 0; t < result.Length; t++)
            {
                int width = Tasks[t].Outputs;
                ReadOnlySpan<float> y = logits[t].Span;
                for (int r = 0; r < n; r++)
                {
                    int sentence = order[start + r];
                    int length = tagged[sentence].Length;
                    y.Slice(r * maxLength * width, length * width).CopyTo(result[t].AsSpan(offsets[sentence] * width));
                }
            }
        }

        return result;
    }
}
