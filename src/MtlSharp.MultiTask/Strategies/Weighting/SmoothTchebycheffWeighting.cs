using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Smooth Tchebycheff scalarisation, STCH (Lin et al., ICML 2024): L = μ·log Σ_i exp((L_i − z_i)/μ), a smooth
/// maximum of the step's losses, with equal preferences and the ideal point z = 0 (losses are non-negative, so 0 is a
/// lower bound of each; LibMTL's <c>STCH</c> instead normalises by a nadir vector estimated in a warm-up epoch and
/// works on log losses — not done here). μ defaults to 1. Computed stably around the largest loss. The gradient
/// weights are softmax(L/μ), which sum to 1.
/// </summary>
public sealed class SmoothTchebycheffWeighting : ILossWeighting
{
    /// <summary>The default smoothing μ.</summary>
    public const float DefaultMu = 1f;

    private readonly float _mu;
    private readonly double[] _weights;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks with smoothing <paramref name="mu"/>.</summary>
    public SmoothTchebycheffWeighting(int tasks, float mu = DefaultMu)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        if (!(mu > 0) || float.IsInfinity(mu))
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "SmoothTchebycheffWeighting: μ must be a positive number.");
        }

        _mu = mu;
        _weights = Enumerable.Repeat(1.0 / tasks, tasks).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "stch";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("SmoothTchebycheffWeighting", _weights.Length, tasks, losses);
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

    /// <summary>The gradient weights softmax(L/μ) of the last <see cref="Combine"/> (1/M each before the first).</summary>
    public double[] Weights() => [.. _weights];
}
