using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

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

    /// <summary>
    /// ½ Σ_i (exp(−s_m)·L_i + n_i·s_m) over the step's tasks m = <paramref name="tasks"/>[i], where L_i sums
    /// n_i = <paramref name="observations"/>[i] observations: the negative log-likelihood of n observations that share
    /// one temperature σ² = exp(s) has n·log σ, not one. The optimum is then exp(s_m) = L_m / n_m, the mean loss per
    /// observation, whatever the number of tokens per sentence; with n = 1 for a tagger's per-sentence sums
    /// (20–50 nats) every weight would go towards 1/(2L) and stall training.
    /// </summary>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        int m = _logVars.Length;
        if (losses.Length != tasks.Length || observations.Length != tasks.Length || tasks.Length == 0)
        {
            throw new ArgumentException($"UncertaintyWeighting: {losses.Length} task losses and {observations.Length} observation counts for {tasks.Length} task indices.", nameof(losses));
        }

        bool all = tasks.Length == m;
        for (int i = 0; i < tasks.Length; i++)
        {
            if ((uint)tasks[i] >= (uint)m)
            {
                throw new ArgumentOutOfRangeException(nameof(tasks), $"UncertaintyWeighting: task {tasks[i]} of {m}.");
            }

            all &= tasks[i] == i;
        }

        Tensor logVars = _logVars;
        if (!all)
        {
            var picked = new Tensor[tasks.Length];
            for (int i = 0; i < picked.Length; i++)
            {
                picked[i] = Ops.Slice(_logVars, 0, tasks[i], 1);
            }

            logVars = Ops.Concat(picked, 0);
        }

        var stacked = Ops.Stack(losses);                         // [n]
        var precision = Ops.Exp(Ops.Neg(logVars));               // [n]
        var counts = Tensor.Scratch(new Shape(tasks.Length));
        observations.CopyTo(counts.Span);
        var weighted = Ops.Add(Ops.Mul(precision, stacked), Ops.Mul(counts, logVars));
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
