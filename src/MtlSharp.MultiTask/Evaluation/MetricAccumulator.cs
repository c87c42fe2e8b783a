using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>
/// Accumulates one task's metric over labelled examples, batch by batch: accuracy and macro-F1 (classification),
/// per-label accuracy and micro-F1 (multi-label; a logit above 0 predicts 1), MSE, RMSE and MAE (regression, in the
/// original units: errors are multiplied by the target scale). Unlabelled examples (mask 0) are skipped.
/// </summary>
public sealed class MetricAccumulator
{
    private readonly TaskInfo _task;
    private readonly double _scale;
    private readonly long[]? _tp;
    private readonly long[]? _fp;
    private readonly long[]? _fn;
    private double _sum;
    private long _count;
    private long _microTp;
    private long _microFp;
    private long _microFn;

    /// <summary>Creates an accumulator for <paramref name="task"/>; <paramref name="targetScale"/> undoes target standardisation.</summary>
    public MetricAccumulator(TaskInfo task, double targetScale = 1.0)
    {
        _task = task ?? throw new ArgumentNullException(nameof(task));
        _scale = targetScale;
        if (task.Measure == MetricKind.MacroF1)
        {
            _tp = new long[task.Outputs];
            _fp = new long[task.Outputs];
            _fn = new long[task.Outputs];
        }
    }

    /// <summary>Labelled examples (entries, for multi-label) seen.</summary>
    public long Count => _count;

    /// <summary>Adds one classification example: its scores over the classes and its label.</summary>
    public void AddClass(ReadOnlySpan<float> scores, int label)
    {
        int arg = 0;
        for (int c = 1; c < scores.Length; c++)
        {
            if (scores[c] > scores[arg])
            {
                arg = c;
            }
        }

        _count++;
        _sum += arg == label ? 1 : 0;
        if (_tp is not null)
        {
            if (arg == label)
            {
                _tp[arg]++;
            }
            else
            {
                _fp![arg]++;
                _fn![label]++;
            }
        }
    }

    /// <summary>Adds one multi-label example: logits, 0/1 targets and the entries' mask (null: all labelled).</summary>
    public void AddLabels(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, ReadOnlySpan<float> mask)
    {
        for (int j = 0; j < logits.Length; j++)
        {
            if (!mask.IsEmpty && mask[j] == 0f)
            {
                continue;
            }

            bool p = logits[j] > 0f, y = targets[j] > 0.5f;
            _count++;
            _sum += p == y ? 1 : 0;
            _microTp += p && y ? 1 : 0;
            _microFp += p && !y ? 1 : 0;
            _microFn += !p && y ? 1 : 0;
        }
    }

    /// <summary>Adds one regression example (standardised prediction and target).</summary>
    public void AddValue(float prediction, float target)
    {
        double d = (prediction - target) * _scale;   // float difference, as the loop has always reported
        _count++;
        _sum += _task.Measure == MetricKind.Mae ? Math.Abs(d) : d * d;
    }

    /// <summary>The metric (NaN when no labelled example was added).</summary>
    public double Result()
    {
        if (_count == 0)
        {
            return double.NaN;
        }

        switch (_task.Measure)
        {
            case MetricKind.MacroF1:
            {
                double f1 = 0;
                int classes = 0;
                for (int c = 0; c < _tp!.Length; c++)
                {
                    long support = _tp[c] + _fp![c] + _fn![c];
                    if (support == 0)
                    {
                        continue;   // a class neither labelled nor predicted (sklearn's labels = y_true ∪ y_pred)
                    }

                    classes++;
                    f1 += 2.0 * _tp[c] / (2.0 * _tp[c] + _fp[c] + _fn[c]);
                }

                return f1 / classes;
            }

            case MetricKind.MicroF1:
            {
                long denominator = 2 * _microTp + _microFp + _microFn;
                return denominator == 0 ? 1.0 : 2.0 * _microTp / denominator;
            }

            case MetricKind.Rmse:
                return Math.Sqrt(_sum / _count);
            default:
                return _sum / _count;
        }
    }
}
