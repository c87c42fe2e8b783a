using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Smooth Tchebycheff scalarisation, STCH (Lin et al., ICML 2024): L = μ·log Σ_i exp((L_i − z_i)/(μ·n_i)), a smooth
/// maximum of the step's losses, with equal preferences and the ideal point z = 0 (losses are non-negative, so 0 is a
/// lower bound of each). With <c>warmup</c> W &gt; 0 updates, the first W updates train on the plain sum of the losses
/// while recording each task's largest loss, the nadir point n_i, and every later update scalarises the losses
/// normalised by it (the paper's normalisation by the nadir; LibMTL estimates it in a warm-up epoch and works on log
/// losses, which this does not). Without a warm-up n = 1. μ defaults to 1. Computed stably around the largest term.
/// The gradient weights are softmax of the normalised losses over μ, which sum to 1 (divided by n_i).
/// </summary>
public sealed class SmoothTchebycheffWeighting : IStepAwareWeighting, Training.State.IStatefulPart
{
    /// <summary>The default smoothing μ.</summary>
    public const float DefaultMu = 1f;

    private readonly float _mu;
    private readonly double[] _weights;
    private readonly double[] _nadir;
    private long _steps;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks with smoothing <paramref name="mu"/> and a nadir warm-up of <paramref name="warmup"/> updates (0: none).</summary>
    public SmoothTchebycheffWeighting(int tasks, float mu = DefaultMu, long warmup = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        if (!(mu > 0) || float.IsInfinity(mu))
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "SmoothTchebycheffWeighting: μ must be a positive number.");
        }

        _mu = mu;
        Warmup = warmup;
        _weights = Enumerable.Repeat(1.0 / tasks, tasks).ToArray();
        _nadir = Enumerable.Repeat(warmup > 0 ? 0.0 : 1.0, tasks).ToArray();
    }

    /// <summary>Updates of plain-sum training that estimate the nadir point (0: no normalisation).</summary>
    public long Warmup { get; }

    /// <summary>The nadir point n (each task's largest warm-up loss; 1 without a warm-up).</summary>
    public IReadOnlyList<double> Nadir => _nadir;

    private bool WarmingUp => Warmup > 0 && _steps < Warmup;

    /// <inheritdoc/>
    public string Name => "stch";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("SmoothTchebycheffWeighting", _weights.Length, tasks, losses);
        if (WarmingUp)
        {
            Tensor? total = null;
            Array.Fill(_weights, 1.0);
            foreach (var l in losses)
            {
                total = total is null ? l : Ops.Add(total, l);
            }

            return total!;
        }

        if (Warmup > 0)
        {
            // Normalised by the nadir (a task never seen in the warm-up keeps scale 1).
            var scaled = new Tensor[losses.Length];
            for (int i = 0; i < losses.Length; i++)
            {
                double n = _nadir[tasks[i]];
                scaled[i] = n > 0 ? Ops.Scale(losses[i], (float)(1 / n)) : losses[i];
            }

            return Smooth(tasks, scaled);
        }

        return Smooth(tasks, losses);
    }

    private Tensor Smooth(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses)
    {
        var values = new double[losses.Length];
        float max = float.NegativeInfinity;
        for (int i = 0; i < losses.Length; i++)
        {
            values[i] = losses[i].Item();
            max = Math.Max(max, (float)values[i]);
        }

        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Exp((values[i] - max) / _mu);
            sum += values[i];
        }

        Array.Clear(_weights);
        for (int i = 0; i < values.Length; i++)
        {
            _weights[tasks[i]] += values[i] / sum;
        }

        var shifted = Ops.AddScalar(Ops.Scale(Ops.Stack(losses), 1f / _mu), -max / _mu);
        return Ops.AddScalar(Ops.Scale(Ops.Log(Ops.Sum(Ops.Exp(shifted))), _mu), max);
    }

    /// <summary>The gradient weights softmax(L/μ) of the last <see cref="Combine"/> (1/M each before the first; 1 during the warm-up).</summary>
    public double[] Weights() => [.. _weights];

    /// <summary>Counts the update; during the warm-up records each task's largest loss (the nadir point).</summary>
    public void OnStep(ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, long step)
    {
        if (WarmingUp)
        {
            for (int i = 0; i < tasks.Length; i++)
            {
                if (float.IsFinite(losses[i]))
                {
                    _nadir[tasks[i]] = Math.Max(_nadir[tasks[i]], losses[i]);
                }
            }
        }

        _steps++;
    }

    /// <inheritdoc/>
    public void SaveState(Training.State.StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("steps", _steps);
        bag.SetDoubles("nadir", _nadir);
    }

    /// <inheritdoc/>
    public void LoadState(Training.State.StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _steps = bag.GetLong("steps");
        double[] n = bag.GetDoubles("nadir");
        if (n.Length != _nadir.Length)
        {
            throw new InvalidDataException($"SmoothTchebycheffWeighting: the saved nadir has {n.Length} values, the run {_nadir.Length}.");
        }

        n.CopyTo(_nadir, 0);
    }
}
