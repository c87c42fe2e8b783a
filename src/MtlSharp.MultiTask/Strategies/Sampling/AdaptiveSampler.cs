using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>
/// Performance-adaptive task scheduling (Sharma, Jha, Hegde and Ravindran 2018, "Learning to Multi-Task by Active
/// Sampling", the adaptive task decider): one task per step, task t drawn with p_t ∝ exp(m_t / τ), where
/// m_t = (b_t − a_t) / |b_t| is how far the task's current validation metric a_t lags its target b_t (sign flipped for
/// lower-is-better metrics; negative lags count as 0). Targets are given per task (e.g. single-task results, as the
/// paper) or, where not given, are the task's best validation metric so far — then a task is favoured while it is
/// below its own best. Uniform until the first validation; a run without a validation split stays uniform (the test
/// split is never used to steer training). The probabilities chosen at each validation are kept for the report.
/// </summary>
public sealed class AdaptiveSampler : IEvaluationAwareSampler
{
    /// <summary>Default τ.</summary>
    public const double DefaultTau = 0.1;

    private readonly Rng _rng;
    private readonly int[] _one = new int[1];
    private readonly double?[] _targets;
    private readonly double[] _best;
    private readonly List<(long, double[])> _history = [];
    private double[] _p;

    /// <summary>Creates the sampler for <paramref name="tasks"/> tasks with temperature τ and optional fixed targets.</summary>
    public AdaptiveSampler(int tasks, Rng rng, double tau = DefaultTau, IReadOnlyList<double?>? targets = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        if (!(tau > 0) || !double.IsFinite(tau))
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "The adaptive sampler's tau must be a positive number.");
        }

        if (targets is not null && targets.Count != tasks)
        {
            throw new ArgumentException($"{targets.Count} targets for {tasks} tasks.", nameof(targets));
        }

        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        Tau = tau;
        _targets = targets?.ToArray() ?? new double?[tasks];
        _best = Enumerable.Repeat(double.NaN, tasks).ToArray();
        _p = Enumerable.Repeat(1.0 / tasks, tasks).ToArray();
    }

    /// <summary>τ.</summary>
    public double Tau { get; }

    /// <summary>The current probabilities.</summary>
    public IReadOnlyList<double> Probabilities => _p;

    /// <inheritdoc/>
    public IReadOnlyList<(long Step, double[] Probabilities)> History => _history;

    /// <inheritdoc/>
    public string Name => "adaptive";

    /// <inheritdoc/>
    public bool OneTaskPerStep => true;

    /// <inheritdoc/>
    public ReadOnlySpan<int> Next()
    {
        double u = _rng.NextDouble(), acc = 0;
        int t = 0;
        for (; t < _p.Length - 1; t++)
        {
            acc += _p[t];
            if (u < acc)
            {
                break;
            }
        }

        _one[0] = t;
        return _one;
    }

    /// <inheritdoc/>
    public void OnValidation(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<double> metrics, long step)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count != _p.Length || tasks.Count != _p.Length)
        {
            throw new ArgumentException($"{metrics.Count} metrics for the sampler's {_p.Length} tasks.", nameof(metrics));
        }

        var logits = new double[_p.Length];
        for (int t = 0; t < _p.Length; t++)
        {
            double score = tasks[t].Score(metrics[t]);   // larger is better
            if (double.IsFinite(score) && (double.IsNaN(_best[t]) || score > _best[t]))
            {
                _best[t] = score;
            }

            double target = _targets[t] is { } given ? tasks[t].Score(given) : _best[t];
            double lag = double.IsFinite(score) && double.IsFinite(target) && target != 0 ? (target - score) / Math.Abs(target) : 0;
            logits[t] = Math.Max(0, lag) / Tau;
        }

        double max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = e.Sum();
        _p = e.Select(x => x / sum).ToArray();
        _history.Add((step, [.. _p]));
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("rng", _rng);
        bag.SetDoubles("p", _p);
        bag.SetDoubles("best", _best);
        bag.SetDoubles("historySteps", _history.Select(h => (double)h.Item1).ToArray());
        bag.SetDoubles("history", _history.SelectMany(h => h.Item2).ToArray());
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("rng", _rng);
        double[] p = bag.GetDoubles("p"), best = bag.GetDoubles("best");
        if (p.Length != _p.Length || best.Length != _best.Length)
        {
            throw new InvalidDataException($"Adaptive sampler state: {p.Length} probabilities for {_p.Length} tasks.");
        }

        _p = p;
        best.CopyTo(_best, 0);
        double[] steps = bag.GetDoubles("historySteps");
        double[] flat = bag.GetDoubles("history");
        _history.Clear();
        for (int i = 0; i < steps.Length; i++)
        {
            _history.Add(((long)steps[i], flat.AsSpan(i * _p.Length, _p.Length).ToArray()));
        }
    }
}
