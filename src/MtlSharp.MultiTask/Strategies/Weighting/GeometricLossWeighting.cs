using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// Geometric loss strategy, GLS (Chennupati et al., CVPR Workshops 2019; LibMTL's <c>GLS</c>): the geometric mean
/// L = (Π_i L_i)^(1/n) of the losses of the step's n tasks, computed as exp(mean_i log L_i). Its gradient weights task i
/// by L/(n·L_i), so tasks with a small loss get a large weight. Every loss must be positive: a loss ≤ 0 (or NaN) throws,
/// naming the task — there is no floor. No learned parameters; observation counts are ignored.
/// </summary>
public sealed class GeometricLossWeighting : ILossWeighting
{
    private readonly double[] _weights;

    /// <summary>Creates the strategy for <paramref name="tasks"/> tasks.</summary>
    public GeometricLossWeighting(int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
        _weights = Enumerable.Repeat(1.0, tasks).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "gls";

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc/>
    public Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations)
    {
        WeightingChecks.Check("GeometricLossWeighting", _weights.Length, tasks, losses);
        var values = new double[losses.Length];
        double logSum = 0;
        for (int i = 0; i < losses.Length; i++)
        {
            values[i] = losses[i].Item();
            if (!(values[i] > 0))
            {
                throw new ArgumentException($"GeometricLossWeighting: the loss of task {tasks[i]} is {values[i]}; the geometric mean needs positive losses.", nameof(losses));
            }

            logSum += Math.Log(values[i]);
        }

        double mean = Math.Exp(logSum / losses.Length);
        for (int i = 0; i < losses.Length; i++)
        {
            _weights[tasks[i]] = mean / (losses.Length * values[i]);
        }

        return Ops.Exp(Ops.Mean(Ops.Log(Ops.Stack(losses))));
    }

    /// <summary>The effective weights dL/dL_m = L/(n·L_m) of the last <see cref="Combine"/> (1 before the first).</summary>
    public double[] Weights() => [.. _weights];
}
