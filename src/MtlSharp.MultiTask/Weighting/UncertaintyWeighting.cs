using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Weighting;

/// <summary>
/// Homoscedastic uncertainty weighting (Kendall, Gal and Cipolla, CVPR 2018): one learned log-variance s_m per
/// task, L = Σ_m ½·exp(−s_m)·L_m + ½·s_m (LibMTL's <c>UW</c> form). s starts at 0 (weight ½ each, i.e. the plain
/// sum up to a constant factor). The parameter [M] has kind <see cref="ParameterKind.Strategy"/>.
/// </summary>
public sealed class UncertaintyWeighting : Module, ILossWeighting
{
    private readonly Parameter _logVars;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks.</summary>
    public UncertaintyWeighting(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        _logVars = RegisterParameter("log_vars", Tensor.Zeros(tasks), ParameterKind.Strategy);
    }

    /// <inheritdoc/>
    public string Name => "uncertainty";

    /// <summary>The log-variances s [M].</summary>
    public Parameter LogVariances => _logVars;

    /// <inheritdoc/>
    IReadOnlyList<Parameter> ILossWeighting.Parameters => [_logVars];

    /// <inheritdoc/>
    /// <remarks>½ Σ_m (exp(−s_m)·L_m + s_m): each loss counts as one observation.</remarks>
    public Tensor Combine(ReadOnlySpan<Tensor> taskLosses)
    {
        Span<float> one = stackalloc float[taskLosses.Length];
        one.Fill(1f);
        return Combine(taskLosses, one);
    }

    /// <summary>
    /// ½ Σ_m (exp(−s_m)·L_m + n_m·s_m) where L_m sums n_m observations: the negative log-likelihood of n_m
    /// observations that share one temperature σ_m² = exp(s_m) has n_m·log σ_m, not one. The optimum is then
    /// exp(s_m) = L_m / n_m, the mean loss per observation, whatever the number of tokens per sentence; with
    /// <see cref="Combine(ReadOnlySpan{Tensor})"/> (n = 1) it is the summed loss itself, which for a tagger's
    /// per-sentence sums (20–50 nats) drives every weight towards 1/(2L) and so stalls training.
    /// </summary>
    public Tensor Combine(ReadOnlySpan<Tensor> taskLosses, ReadOnlySpan<float> observations)
    {
        int m = _logVars.Length;
        if (taskLosses.Length != m || observations.Length != m)
        {
            throw new ArgumentException($"UncertaintyWeighting: {taskLosses.Length} task losses and {observations.Length} observation counts for {m} tasks.", nameof(taskLosses));
        }

        var losses = Ops.Stack(taskLosses);                       // [M]
        var precision = Ops.Exp(Ops.Neg(_logVars));               // [M]
        var counts = Tensor.Scratch(new Shape(m));
        observations.CopyTo(counts.Span);
        var weighted = Ops.Add(Ops.Mul(precision, losses), Ops.Mul(counts, _logVars));
        return Ops.Scale(Ops.Sum(weighted), 0.5f);
    }

    /// <inheritdoc/>
    public double[] Weights()
    {
        var s = _logVars.Data;
        var w = new double[s.Length];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = 0.5 * Math.Exp(-s[i]);
        }

        return w;
    }
}
