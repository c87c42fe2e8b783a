using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Training;

/// <summary>Averages each task's training loss over windows of updates and keeps one curve point per window.</summary>
internal sealed class CurveRecorder
{
    private readonly string[] _names;
    private readonly double[] _sum;
    private readonly int[] _count;
    private readonly List<double>[] _x;
    private readonly List<double>[] _y;

    public CurveRecorder(string[] names)
    {
        _names = names;
        _sum = new double[names.Length];
        _count = new int[names.Length];
        _x = names.Select(_ => new List<double>()).ToArray();
        _y = names.Select(_ => new List<double>()).ToArray();
    }

    public void Add(int task, float loss)
    {
        _sum[task] += loss;
        _count[task]++;
    }

    public void Flush(long update)
    {
        for (int t = 0; t < _names.Length; t++)
        {
            if (_count[t] > 0)
            {
                _x[t].Add(update);
                _y[t].Add(_sum[t] / _count[t]);
                _sum[t] = 0;
                _count[t] = 0;
            }
        }
    }

    public IReadOnlyList<Curve> ToCurves() =>
        _names.Select((n, t) => new Curve(n, "updates", [.. _x[t]], [.. _y[t]])).ToArray();
}
