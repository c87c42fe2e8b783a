using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// GradDrop (Chen et al. 2020, "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign Dropout"), on the
/// shared parameters' coordinates: for each column k, the sign purity P_k = ½ (1 + Σ_i g_ik / Σ_i |g_ik|) ∈ [0, 1] and
/// one uniform U_k ∈ [0, 1) from the aggregator's own <see cref="Rng"/>; the positive entries of the column are kept
/// when P_k &gt; U_k and the negative ones when P_k &lt; U_k (the paper's mask M_ik = 1[P_k &gt; U_k] 1[g_ik &gt; 0] +
/// 1[P_k &lt; U_k] 1[g_ik &lt; 0]), and the kept entries are summed. So every coordinate of the result is a sum of
/// entries of one sign, and a coordinate whose entries all share a sign keeps them all with probability 1 (P = 1 or
/// 0). An all-zero column gives 0 (P is taken as ½; nothing to keep). The mask is per coordinate, so there are no
/// per-row weights: the returned weights are NaN (one task: that row, weight 1, no draw). The leak parameter of the
/// paper is 0 and the method is applied to the parameter gradients directly (not to a representation).
/// The Rng state is saved with the run (<see cref="IStatefulPart"/>), so a resumed run draws the same masks.
/// </summary>
public sealed class GradDropAggregator : IGradientAggregator, IStatefulPart
{
    private readonly Rng _rng;

    /// <summary>Creates the aggregator drawing its uniforms from <paramref name="rng"/>.</summary>
    public GradDropAggregator(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
    }

    /// <inheritdoc/>
    public string Name => "graddrop";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(GradDropAggregator), gradients, tasks, destination);
        int t = gradients.Rows;
        if (t == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        int p = gradients.Columns;
        var sum = new double[p];
        var abs = new double[p];
        for (int i = 0; i < t; i++)
        {
            ReadOnlySpan<float> row = gradients.Row(i);
            for (int k = 0; k < p; k++)
            {
                sum[k] += row[k];
                abs[k] += Math.Abs(row[k]);
            }
        }

        var positive = new bool[p];
        var negative = new bool[p];
        for (int k = 0; k < p; k++)
        {
            double purity = abs[k] > 0 ? 0.5 * (1 + (sum[k] / abs[k])) : 0.5;
            double u = _rng.NextDouble();
            positive[k] = purity > u;
            negative[k] = purity < u;
        }

        destination.Clear();
        for (int i = 0; i < t; i++)
        {
            ReadOnlySpan<float> row = gradients.Row(i);
            for (int k = 0; k < p; k++)
            {
                float g = row[k];
                if ((g > 0 && positive[k]) || (g < 0 && negative[k]))
                {
                    destination[k] += g;
                }
            }
        }

        return Enumerable.Repeat(double.NaN, t).ToArray();
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("mask", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("mask", _rng);
    }
}
