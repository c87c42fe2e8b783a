using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Each task's metric (<see cref="MetricAccumulator"/>: classification, tagging — over the labelled tokens — and
/// regression in the targets' units) on its own held-out examples of any input type (<see cref="ITaskExamples"/>),
/// over the labelled examples, in evaluation mode, batch by batch, without recording gradients.
/// </summary>
public sealed class ExampleEvaluator : IEvaluator
{
    private readonly IReadOnlyList<TaskInfo> _tasks;
    private readonly IReadOnlyList<ITaskExamples> _test;
    private readonly IReadOnlyList<ITaskExamples>? _valid;
    private readonly int _batchSize;
    private readonly TensorArena _arena = new();

    /// <summary>Creates the evaluator; <paramref name="valid"/> null means no validation split.</summary>
    public ExampleEvaluator(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<ITaskExamples> test, IReadOnlyList<ITaskExamples>? valid, int batchSize = 256)
    {
        _tasks = tasks ?? throw new ArgumentNullException(nameof(tasks));
        _test = test ?? throw new ArgumentNullException(nameof(test));
        _valid = valid;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _batchSize = batchSize;
        if (test.Count != tasks.Count || (valid is not null && valid.Count != tasks.Count))
        {
            throw new ArgumentException($"{tasks.Count} tasks need one test (and validation) example set each.");
        }

        if (tasks.FirstOrDefault(t => t.Kind == TaskKind.MultiLabel) is { } ml)
        {
            throw new ArgumentException($"ExampleEvaluator scores classification, tagging and regression tasks; '{ml.Name}' is multi-label.");
        }
    }

    /// <summary>Each task's test examples, in task order (e.g. real batches to check an exported model on).</summary>
    public IReadOnlyList<ITaskExamples> Test => _test;

    /// <inheritdoc/>
    public bool HasValidation => _valid is not null;

    /// <inheritdoc/>
    public string SplitName(EvaluationSplit split) => split == EvaluationSplit.Validation ? "dev" : "test";

    /// <inheritdoc/>
    public double[] Evaluate(IMultiTaskModel model, EvaluationSplit split)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sets = split == EvaluationSplit.Test ? _test : _valid ?? throw new InvalidOperationException("No validation split.");
        var module = model.Module;
        bool wasTraining = module.IsTraining;
        module.Eval();
        try
        {
            using var ng = Autograd.NoGrad();
            var ctx = new ForwardContext(0, false, new Rng(0xE7A1UL), 1f);
            var r = new double[_tasks.Count];
            for (int t = 0; t < r.Length; t++)
            {
                var acc = new MetricAccumulator(_tasks[t]);
                var set = sets[t];
                for (int start = 0; start < set.Count; start += _batchSize)
                {
                    int n = Math.Min(_batchSize, set.Count - start);
                    int[] rows = Enumerable.Range(start, n).ToArray();
                    using var scope = _arena.Enter();
                    var targets = set.Targets(rows);
                    var batch = new MultiTaskBatch([new TaskBatch(t, set.Input(rows), targets)]);
                    ReadOnlySpan<float> p = model.Forward(batch, ctx)[0].Span;
                    int width = p.Length / targets.Rows;   // rows: examples, or token positions for tagging
                    for (int i = 0; i < targets.Rows; i++)
                    {
                        if (targets.Mask is not null && targets.Mask[i] == 0f)
                        {
                            continue;
                        }

                        if (targets.Labels is { } labels)
                        {
                            acc.AddClass(p.Slice(i * width, width), labels[i]);
                        }
                        else
                        {
                            acc.AddValue(p[i], targets.Values![i]);
                        }
                    }
                }

                r[t] = acc.Result();
            }

            return r;
        }
        finally
        {
            module.Train(wasTraining);
        }
    }
}
