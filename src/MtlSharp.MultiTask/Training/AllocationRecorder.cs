using MtlSharp.MultiTask.Architectures;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Training;

/// <summary>Keeps snapshots of every routed layer's allocation probabilities (paper Fig. 8).</summary>
internal sealed class AllocationRecorder
{
    private readonly List<long> _steps = [];
    private readonly List<double[][]>[] _layers;

    public AllocationRecorder(int layers)
    {
        _layers = Enumerable.Range(0, layers).Select(_ => new List<double[][]>()).ToArray();
    }

    public void Snapshot(long update, RoutedNetwork model)
    {
        if (_steps.Count > 0 && _steps[^1] == update)
        {
            return;
        }

        _steps.Add(update);
        var probs = model.Probabilities();
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l].Add(probs[l]);
        }
    }

    public IReadOnlyList<AllocationHistory> ToHistories() =>
        _layers.Select((snaps, l) => new AllocationHistory(l, [.. _steps], [.. snaps])).ToArray();
}
