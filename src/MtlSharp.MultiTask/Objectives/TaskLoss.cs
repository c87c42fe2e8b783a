using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Objectives;

/// <summary>
/// The loss of one task on one batch part, by task kind, with the part's label mask applied per row:
/// <list type="bullet">
/// <item>classification: softmax cross-entropy averaged over labelled rows;</item>
/// <item>regression: squared error averaged over labelled rows;</item>
/// <item>multi-label: binary cross-entropy with logits, max(x, 0) − x·y + log(1 + e^(−|x|)) (the stable form
/// PyTorch's <c>BCEWithLogitsLoss</c> uses), averaged over the labelled (example, label) entries;</item>
/// <item>sequence tagging: token cross-entropy summed per sentence and averaged over the batch's sentences
/// (Σ labelled-token losses / sentences, spec B5), with the labelled tokens per sentence as its observation
/// count (what uncertainty weighting regularises by).</item>
/// </list>
/// A part with no labelled row has no loss (null): it contributes nothing and cannot produce a NaN.
/// </summary>
public static class TaskLoss
{
    /// <summary>The loss [] and its observation count, or null when the part has no labelled row.</summary>
    public static (Tensor Loss, float Observations)? Compute(TaskInfo task, Tensor output, TaskTargets targets)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(targets);
        switch (task.Kind)
        {
            case TaskKind.Classification:
            {
                var labels = targets.Labels ?? throw new ArgumentException($"Task '{task.Name}' is a classification task but its batch has no class labels.");
                if (targets.Mask is { } mask && targets.Labelled == 0f)
                {
                    return null;
                }

                return (Ops.CrossEntropy(output, labels, targets.Mask), 1f);
            }

            case TaskKind.Regression:
            {
                var values = targets.Values ?? throw new ArgumentException($"Task '{task.Name}' is a regression task but its batch has no target values.");
                var target = Tensor.Scratch(output.Shape);
                if (target.Length != values.Length)
                {
                    throw new ArgumentException($"Task '{task.Name}': {values.Length} targets for predictions of shape {output.Shape}.");
                }

                values.CopyTo(target.Span);
                if (targets.Mask is { } rowMask)
                {
                    // Values of unlabelled rows are ignored (they may be NaN placeholders).
                    Span<float> ts = target.Span;
                    for (int i = 0; i < ts.Length; i++)
                    {
                        if (rowMask[i] == 0f)
                        {
                            ts[i] = 0f;
                        }
                    }
                }

                if (targets.Mask is null)
                {
                    return (Ops.Mse(output, target), 1f);
                }

                float labelled = targets.Labelled;
                if (labelled == 0f)
                {
                    return null;
                }

                var m = Tensor.Scratch(output.Shape);
                targets.Mask.CopyTo(m.Span);
                var d = Ops.Mul(Ops.Sub(output, target), m);   // masked rows: (o − 0)·0 = 0
                return (Ops.Scale(Ops.Sum(Ops.Mul(d, d)), 1f / labelled), 1f);
            }

            case TaskKind.MultiLabel:
            {
                var values = targets.Values ?? throw new ArgumentException($"Task '{task.Name}' is a multi-label task but its batch has no 0/1 targets.");
                if (values.Length != output.Length)
                {
                    throw new ArgumentException($"Task '{task.Name}': {values.Length} targets for predictions of shape {output.Shape}.");
                }

                float labelled = targets.Labelled;
                if (labelled == 0f)
                {
                    return null;
                }

                var y = Tensor.Scratch(output.Shape);
                values.CopyTo(y.Span);
                var perEntry = BinaryCrossEntropyWithLogits(output, y);
                if (targets.Mask is { } entryMask)
                {
                    var m = Tensor.Scratch(output.Shape);
                    entryMask.CopyTo(m.Span);
                    perEntry = Ops.Mul(perEntry, m);
                }

                return (Ops.Scale(Ops.Sum(perEntry), 1f / labelled), 1f);
            }

            case TaskKind.SequenceTagging:
            {
                var labels = targets.Labels ?? throw new ArgumentException($"Task '{task.Name}' is a tagging task but its batch has no tags.");
                float labelled = targets.Labelled;
                if (labelled == 0f)
                {
                    return null;
                }

                int sentences = Math.Max(1, targets.Sequences);
                float perSentence = labelled / sentences;
                var mean = Ops.CrossEntropy(output, labels, targets.Mask);
                return (Ops.Scale(mean, perSentence), perSentence);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(task), task.Kind, "Unknown task kind.");
        }
    }

    /// <summary>
    /// Binary cross-entropy with logits per entry, max(x, 0) − x·y + log(1 + e^(−|x|)), for logits
    /// <paramref name="logits"/> and targets <paramref name="targets"/> in [0, 1] of the same shape (soft targets too).
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);

        // max(x, 0) written as (x + |x|)/2: its derivative and that of log(1 + e^(−|x|)) cancel their kinks at
        // x = 0 for any subgradient of |x|, so d/dx = σ(x) − y there too (as PyTorch).
        var abs = Ops.Abs(logits);
        var softplusNeg = Ops.Log(Ops.AddScalar(Ops.Exp(Ops.Neg(abs)), 1f));
        return Ops.Add(Ops.Sub(Ops.Scale(Ops.Add(logits, abs), 0.5f), Ops.Mul(logits, targets)), softplusNeg);
    }
}
