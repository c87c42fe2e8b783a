using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// The metric of each task (<see cref="MetricAccumulator"/>: accuracy, macro-F1, micro-F1, MSE, RMSE, MAE) on its own
/// split (<see cref="TaskData"/>), over the examples labelled for it (the split's mask), in
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
            var info = _tasks[task].Info;
            var acc = new MetricAccumulator(info, _tasks[task].TargetScale);
            int w = split.TargetWidth;
            for (int start = 0; start < split.Count; start += batchSize)
            {
                int n = Math.Min(batchSize, split.Count - start);
                using var scope = _arena.Enter();
                var batch = new MultiTaskBatch([new TaskBatch(task, new TensorInput(split.InputsRange(start, n)), dummy)]);
                Tensor pred = model.Forward(batch, ctx)[0];
                ReadOnlySpan<float> p = pred.Span;
                int width = p.Length / n;
                for (int i = 0; i < n; i++)
                {
                    int row = start + i;
                    if (info.Kind == TaskKind.MultiLabel)
                    {
                        acc.AddLabels(p.Slice(i * width, width), split.Targets.AsSpan(row * w, w), split.Mask is null ? default : split.Mask.AsSpan(row * w, w));
                    }
                    else if (split.Mask is not null && split.Mask[row] == 0f)
                    {
                        continue;
                    }
                    else if (split.Labels is { } labels)
                    {
                        acc.AddClass(p.Slice(i * width, width), labels[row]);
                    }
                    else
                    {
                        acc.AddValue(p[i], split.Targets![row]);
                    }
                }
            }

            return acc.Result();
        }
        finally
        {
            module.Train(wasTraining);
        }
    }
}
