using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>
/// One task per step, drawn independently with fixed probabilities: uniform, proportional to training-set size, or
/// temperature-scaled p_t ∝ n_t^(1/T) (as jiant and mt-dnn do).
/// </summary>
public sealed class ProbabilitySampler : ITaskSampler
{
    private readonly double[] _cumulative;
    private readonly int[] _one = new int[1];
    private readonly Rng _rng;

    /// <summary>Creates the sampler from the tasks' training sizes <paramref name="sizes"/>.</summary>
    public ProbabilitySampler(IReadOnlyList<int> sizes, TaskProbability mode, Rng rng, double temperature = 2.0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count == 0 || sizes.Any(n => n < 1))
        {
            throw new ArgumentException("ProbabilitySampler: every task needs at least one training example.", nameof(sizes));
        }

        if (mode == TaskProbability.Temperature && !(temperature > 0 && double.IsFinite(temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The sampling temperature must be positive and finite.");
        }

        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        Mode = mode;
        Probabilities = sizes.Select(n => mode switch
        {
            TaskProbability.Uniform => 1.0,
            TaskProbability.Proportional => n,
            TaskProbability.Temperature => Math.Pow(n, 1.0 / temperature),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        }).ToArray();
        double sum = Probabilities.Sum();
        _cumulative = new double[sizes.Count];
        double acc = 0;
        for (int t = 0; t < sizes.Count; t++)
        {
            Probabilities[t] /= sum;
            acc += Probabilities[t];
            _cumulative[t] = acc;
        }

        _cumulative[^1] = 1.0;
    }

    /// <summary>The weighting mode.</summary>
    public TaskProbability Mode { get; }

    /// <summary>p_t per task (sums to 1).</summary>
    public double[] Probabilities { get; }

    /// <inheritdoc/>
    public string Name => Mode switch
    {
        TaskProbability.Uniform => "uniform",
        TaskProbability.Proportional => "proportional",
        _ => "temperature",
    };

    /// <inheritdoc/>
    public bool OneTaskPerStep => true;

    /// <inheritdoc/>
    public ReadOnlySpan<int> Next()
    {
        double u = _rng.NextDouble();
        int t = 0;
        while (u >= _cumulative[t])
        {
            t++;
        }

        _one[0] = t;
        return _one;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("rng", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("rng", _rng);
    }
}
