using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Accuracy (classification) or MSE (regression) of each task on its own split (<see cref="TaskData"/>), in
/// evaluation mode (maximum-likelihood allocation, no dropout), batch by batch, without recording gradients.
/// </summary>
public sealed class SplitEvaluator(IReadOnlyList<TaskData> tasks, ulong seed, int batchSize = 256) : IEvaluator
{
    private readonly IReadOnlyList<TaskData> _tasks = tasks ?? throw new ArgumentNullException(nameof(tasks));
    private readonly TensorArena _arena = new();

    /// <summary>The tasks' splits.</summary>
    public IReadOnlyList<TaskData> Splits => _tasks;

    /// <inheritdoc/>
    public bool HasValidation => _tasks.All(t => t.Valid is not null);

    /// <inheritdoc/>
    public string SplitName(EvaluationSplit split) => split == EvaluationSplit.Validation ? "valid" : "test";

    /// <inheritdoc/>
    public double[] Evaluate(IMultiTaskModel model, EvaluationSplit split)
    {
        ArgumentNullException.ThrowIfNull(model);
        var r = new double[_tasks.Count];
        for (int t = 0; t < r.Length; t++)
        {
            var s = split == EvaluationSplit.Test ? _tasks[t].Test : _tasks[t].Valid
                ?? throw new InvalidOperationException($"Task '{_tasks[t].Name}' has no validation split.");
            r[t] = Evaluate(model, t, s);
        }

        return r;
    }

    /// <summary>The metric of task <paramref name="task"/> on <paramref name="split"/>.</summary>
    public double Evaluate(IMultiTaskModel model, int task, TaskSplit split)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        var module = model.Module;
        bool wasTraining = module.IsTraining;
        module.Eval();
        try
        {
            using var ng = Autograd.NoGrad();
            var ctx = new ForwardContext(0, false, new Rng(seed ^ 0xE7A1UL), 1f);
            var dummy = new TaskTargets(new int[1], null);
            double acc = 0;
            for (int start = 0; start < split.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, split.Count - start);
                using var scope = _arena.Enter();
                var batch = new MultiTaskBatch([new TaskBatch(task, new TensorInput(split.InputsRange(start, n)), dummy)]);
                Tensor pred = model.Forward(batch, ctx)[0];
                ReadOnlySpan<float> p = pred.Span;
                if (split.Labels is { } labels)
                {
                    int classes = pred.Shape[1];
                    for (int i = 0; i < n; i++)
                    {
                        ReadOnlySpan<float> row = p.Slice(i * classes, classes);
                        int arg = 0;
                        for (int c = 1; c < classes; c++)
                        {
                            if (row[c] > row[arg])
                            {
                                arg = c;
                            }
                        }

                        acc += arg == labels[start + i] ? 1 : 0;
                    }
                }
                else
                {
                    for (int i = 0; i < n; i++)
                    {
                        double d = p[i] - split.Targets![start + i];
                        acc += d * d;
                    }
                }
            }

            return acc / split.Count;
        }
        finally
        {
            module.Train(wasTraining);
        }
    }
}
