using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Snapshots every routed layer's allocation probabilities at the start, every <see cref="Every"/> updates and at
/// the last update (paper Fig. 8).
/// </summary>
public sealed class AllocationHistoryCallback : TrainingCallback
{
    private readonly RoutedNetwork _network;
    private readonly List<long> _steps = [];
    private readonly List<double[][]>[] _layers;

    /// <summary>Creates the recorder.</summary>
    public AllocationHistoryCallback(RoutedNetwork network, long every)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        Every = every;
        _layers = Enumerable.Range(0, network.RoutedLayers.Count).Select(_ => new List<double[][]>()).ToArray();
    }

    /// <summary>Updates between snapshots.</summary>
    public long Every { get; }

    /// <inheritdoc/>
    public override string Name => "allocation-history";

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Step == 0)
        {
            Snapshot(0);
        }
    }

    /// <inheritdoc/>
    public override void OnStep(TrainingRun run, in StepResult step)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (step.Step % Every == 0 || step.Step == run.TotalSteps)
        {
            Snapshot(step.Step);
        }
    }

    /// <summary>The recorded histories, one per routed layer.</summary>
    public IReadOnlyList<AllocationHistory> Histories() =>
        _layers.Select((snaps, l) => new AllocationHistory(l, [.. _steps], [.. snaps])).ToArray();

    private void Snapshot(long step)
    {
        if (_steps.Count > 0 && _steps[^1] == step)
        {
            return;
        }

        _steps.Add(step);
        var probs = _network.Probabilities();
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l].Add(probs[l]);
        }
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetDoubles("steps", _steps.Select(s => (double)s).ToArray());
        for (int l = 0; l < _layers.Length; l++)
        {
            for (int i = 0; i < _layers[l].Count; i++)
            {
                bag.SetDoubles($"l{l}/s{i}", _layers[l][i].SelectMany(r => r).ToArray());
            }
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _steps.Clear();
        _steps.AddRange(bag.GetDoubles("steps").Select(s => (long)s));
        var shape = _network.Probabilities();
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l].Clear();
            int tasks = shape[l].Length, comps = shape[l][0].Length;
            for (int i = 0; i < _steps.Count; i++)
            {
                double[] flat = bag.GetDoubles($"l{l}/s{i}");
                if (flat.Length != tasks * comps)
                {
                    throw new InvalidDataException($"The saved allocation snapshot of layer {l} has {flat.Length} values, expected {tasks * comps}.");
                }

                _layers[l].Add(Enumerable.Range(0, tasks).Select(t => flat.AsSpan(t * comps, comps).ToArray()).ToArray());
            }
        }
    }
}
