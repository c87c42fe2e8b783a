using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// Averages each task's training loss over windows of <see cref="Window"/> updates and keeps one curve point per
/// window (x in updates, or in epochs when the window is an epoch) — the loss curves of the run report.
/// </summary>
public sealed class LossCurveCallback : TrainingCallback
{
    private readonly string[] _names;
    private readonly double[] _sum;
    private readonly long[] _count;
    private readonly List<double>[] _x;
    private readonly List<double>[] _y;

    /// <summary>Creates the recorder.</summary>
    public LossCurveCallback(IReadOnlyList<string> taskNames, long window, CurveUnit unit = CurveUnit.Updates)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _names = [.. taskNames];
        Window = window;
        Unit = unit;
        _sum = new double[_names.Length];
        _count = new long[_names.Length];
        _x = _names.Select(_ => new List<double>()).ToArray();
        _y = _names.Select(_ => new List<double>()).ToArray();
    }

    /// <summary>Updates per curve point.</summary>
    public long Window { get; }

    /// <summary>The x axis.</summary>
    public CurveUnit Unit { get; }

    /// <inheritdoc/>
    public override string Name => "loss-curves";

    /// <summary>Raised with the window's mean losses (NaN for tasks absent from it) whenever a window closes.</summary>
    public event Action<long, double[]>? WindowClosed;

    /// <inheritdoc/>
    public override void OnStep(TrainingRun run, in StepResult step)
    {
        ArgumentNullException.ThrowIfNull(run);
        for (int i = 0; i < step.Tasks.Length; i++)
        {
            if (!float.IsNaN(step.Losses[i]))
            {
                _sum[step.Tasks[i]] += step.Losses[i];
                _count[step.Tasks[i]]++;
            }
        }

        if (step.Step % Window == 0 || step.Step == run.TotalSteps)
        {
            Flush(step.Step);
        }
    }

    /// <summary>The curves, one per task.</summary>
    public IReadOnlyList<Curve> Curves() =>
        _names.Select((n, t) => new Curve(n, Unit == CurveUnit.Epochs ? "epoch" : "updates", [.. _x[t]], [.. _y[t]])).ToArray();

    private void Flush(long step)
    {
        var window = new double[_names.Length];
        for (int t = 0; t < _names.Length; t++)
        {
            window[t] = double.NaN;
            if (_count[t] > 0)
            {
                double x = Unit == CurveUnit.Epochs ? Math.Ceiling((double)step / Window) : step;
                window[t] = _sum[t] / _count[t];
                _x[t].Add(x);
                _y[t].Add(window[t]);
                _sum[t] = 0;
                _count[t] = 0;
            }
        }

        WindowClosed?.Invoke(step, window);
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _names.Length; t++)
        {
            bag.SetDouble($"sum{t}", _sum[t]);
            bag.SetLong($"count{t}", _count[t]);
            bag.SetDoubles($"x{t}", _x[t]);
            bag.SetDoubles($"y{t}", _y[t]);
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _names.Length; t++)
        {
            _sum[t] = bag.GetDouble($"sum{t}");
            _count[t] = bag.GetLong($"count{t}");
            _x[t].Clear();
            _x[t].AddRange(bag.GetDoubles($"x{t}"));
            _y[t].Clear();
            _y[t].AddRange(bag.GetDoubles($"y{t}"));
        }
    }
}
