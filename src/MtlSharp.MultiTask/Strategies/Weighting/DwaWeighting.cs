using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Dynamic weight averaging, DWA (Liu, Johns and Davison, CVPR 2019; LibMTL's <c>DWA</c>): L = Σ_i λ_m L_i with
/// λ_m = M·exp(w_m/T) / Σ_k exp(w_k/T) over all M tasks, w_m = L̄_m(e−1) / L̄_m(e−2), where L̄_m(e) is task m's mean
/// unweighted training loss over epoch e and T the temperature (2, the paper's). The weights are 1 during the first
/// two epochs. An epoch is <see cref="EpochSteps"/> updates (the data's steps per epoch when the experiment knows it,
/// else <see cref="DefaultEpochSteps"/>); the loss means come from <see cref="OnStep"/>, and a task without a loss in
/// either of the two epochs gets w = 1. The statistics are saved with the run (<see cref="IStatefulPart"/>).
/// </summary>
public sealed class DwaWeighting : IStepAwareWeighting, IStatefulPart
{
    /// <summary>The epoch length when the data has none (e.g. the routed presets' endless task streams).</summary>
    public const long DefaultEpochSteps = 100;

    /// <summary>The paper's temperature.</summary>
    public const double DefaultTemperature = 2.0;

    private readonly double _temperature;
    private readonly double[] _sums;
    private readonly double[] _counts;
    private readonly double[] _previous;
    private readonly double[] _beforePrevious;
    private readonly double[] _weights;
    private long _epochs;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks with epochs of <paramref name="epochSteps"/> updates.</summary>
    public DwaWeighting(int tasks, long epochSteps = DefaultEpochSteps, double temperature = DefaultTemperature)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochSteps);
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "DwaWeighting: the temperature must be a positive number.");
        }

        EpochSteps = epochSteps;
        _temperature = temperature;
        _sums = new double[tasks];
        _counts = new double[tasks];
        _previous = new double[tasks];
        _beforePrevious = new double[tasks];
        _weights = Enumerable.Repeat(1.0, tasks).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "dwa";

    /// <summary>The softmax temperature T.</summary>
    public double Temperature => _temperature;

    /// <summary>Updates per epoch.</summary>
    public long EpochSteps { get; }

    /// <summary>Epochs completed so far.</summary>
    public long CompletedEpochs => _epochs;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("DwaWeighting", _weights.Length, tasks, losses);
        Tensor? total = null;
        for (int i = 0; i < losses.Length; i++)
        {
            double w = _weights[tasks[i]];
            var term = w == 1.0 ? losses[i] : Ops.Scale(losses[i], (float)w);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total!;
    }

    /// <summary>Accumulates the epoch's loss means; after the last update of an epoch recomputes the weights.</summary>
    public void OnStep(ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, long step)
    {
        if (tasks.Length != losses.Length)
        {
            throw new ArgumentException($"DwaWeighting: {losses.Length} losses for {tasks.Length} task indices.", nameof(losses));
        }

        for (int i = 0; i < tasks.Length; i++)
        {
            if ((uint)tasks[i] >= (uint)_sums.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(tasks), $"DwaWeighting: task {tasks[i]} of {_sums.Length}.");
            }

            if (!float.IsNaN(losses[i]))
            {
                _sums[tasks[i]] += losses[i];
                _counts[tasks[i]]++;
            }
        }

        if ((step + 1) % EpochSteps == 0)
        {
            EndEpoch();
        }
    }

    /// <summary>The weights λ the next steps use.</summary>
    public double[] Weights() => [.. _weights];

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("epochs", _epochs);
        bag.SetDoubles("sums", _sums);
        bag.SetDoubles("counts", _counts);
        bag.SetDoubles("previous", _previous);
        bag.SetDoubles("beforePrevious", _beforePrevious);
        bag.SetDoubles("weights", _weights);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _epochs = bag.GetLong("epochs");
        Load(bag, "sums", _sums);
        Load(bag, "counts", _counts);
        Load(bag, "previous", _previous);
        Load(bag, "beforePrevious", _beforePrevious);
        Load(bag, "weights", _weights);
    }

    private static void Load(StateBag bag, string key, double[] into)
    {
        double[] v = bag.GetDoubles(key);
        if (v.Length != into.Length)
        {
            throw new InvalidDataException($"DwaWeighting: the saved '{key}' has {v.Length} values, the run {into.Length}.");
        }

        v.CopyTo(into, 0);
    }

    private void EndEpoch()
    {
        for (int m = 0; m < _sums.Length; m++)
        {
            _beforePrevious[m] = _previous[m];
            _previous[m] = _counts[m] > 0 ? _sums[m] / _counts[m] : double.NaN;
            _sums[m] = 0;
            _counts[m] = 0;
        }

        _epochs++;
        if (_epochs < 2)
        {
            return;
        }

        var e = new double[_weights.Length];
        double max = double.NegativeInfinity;
        for (int m = 0; m < e.Length; m++)
        {
            double ratio = _previous[m] / _beforePrevious[m];
            e[m] = (double.IsFinite(ratio) ? ratio : 1.0) / _temperature;
            max = Math.Max(max, e[m]);
        }

        double sum = 0;
        for (int m = 0; m < e.Length; m++)
        {
            e[m] = Math.Exp(e[m] - max);
            sum += e[m];
        }

        for (int m = 0; m < e.Length; m++)
        {
            _weights[m] = e.Length * e[m] / sum;
        }
    }
}
