using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// The loss part of impartial multi-task learning, IMTL-L (Liu et al., ICLR 2021; LibMTL's <c>IMTL</c> loss scale):
/// one learned scale s_m per task, L = Σ_i (exp(s_m)·L_i − s_m) over the step's tasks m = tasks[i]. The optimum
/// exp(s_m) = 1/L_m makes every scaled loss 1. s starts at 0 (the plain sum); the parameter [M] has kind
/// <see cref="ParameterKind.Strategy"/>. Observation counts are ignored.
/// </summary>
public sealed class ImtlLossWeighting : Module, ILossWeighting
{
    private readonly Parameter _scales;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks.</summary>
    public ImtlLossWeighting(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        _scales = RegisterParameter("loss_scale", Tensor.Zeros(tasks), ParameterKind.Strategy);
    }

    /// <inheritdoc/>
    public string Name => "imtl-l";

    /// <summary>The log-scales s [M].</summary>
    public Parameter LossScales => _scales;

    /// <inheritdoc/>
    IReadOnlyList<Parameter> ILossWeighting.Parameters => [_scales];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("ImtlLossWeighting", _scales.Length, tasks, losses);
        bool all = tasks.Length == _scales.Length;
        for (int i = 0; i < tasks.Length; i++)
        {
            all &= tasks[i] == i;
        }

        Tensor s = _scales;
        if (!all)
        {
            var picked = new Tensor[tasks.Length];
            for (int i = 0; i < picked.Length; i++)
            {
                picked[i] = Ops.Slice(_scales, 0, tasks[i], 1);
            }

            s = Ops.Concat(picked, 0);
        }

        var stacked = Ops.Stack(losses);
        return Ops.Sum(Ops.Sub(Ops.Mul(Ops.Exp(s), stacked), s));
    }

    /// <summary>The weights exp(s_m).</summary>
    public double[] Weights() => _scales.Data.ToArray().Select(v => Math.Exp(v)).ToArray();
}
