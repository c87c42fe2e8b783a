using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// PCGrad (Yu et al. 2020, "Gradient Surgery for Multi-Task Learning"): for each task gradient g_i, in a random order
/// of the other tasks j, when g_i^PC · g_j &lt; 0 the conflicting component is projected away,
/// g_i^PC ← g_i^PC − (g_i^PC · g_j / ‖g_j‖²) g_j (against the original g_j, as in the paper and LibMTL); the result is
/// the <b>sum</b> Σ_i g_i^PC. Sum, not mean, because the paper applies the surgery to the gradient of the summed loss
/// and LibMTL and TorchJD both sum; without conflicts PCGrad is then exactly the gradient the loop's default
/// (all loss weights 1, summed) would take. Every projected gradient is a combination of the original rows, so the
/// surgery runs on the Gram matrix (T × T coefficients) and the rows are combined once at the end.
/// The orders come from the <see cref="Rng"/> given to the constructor (one permutation per task and step); its state
/// is saved with the run (<see cref="IStatefulPart"/>), so a resumed run draws the same orders. A zero row is never
/// projected against (nothing conflicts with it).
/// </summary>
public sealed class PcGradAggregator : IGradientAggregator, IStatefulPart
{
    private readonly Rng _rng;

    /// <summary>Creates the aggregator drawing its projection orders from <paramref name="rng"/>.</summary>
    public PcGradAggregator(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
    }

    /// <inheritdoc/>
    public string Name => "pcgrad";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(PcGradAggregator), gradients, tasks, destination);
        int t = gradients.Rows;
        if (t == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var orders = new int[t][];
        for (int i = 0; i < t; i++)
        {
            orders[i] = _rng.Permutation(t);
        }

        var w = Weights(Projections(gradients.Gram(), orders));
        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>
    /// The coefficients C of the projected gradients, g_i^PC = Σ_k C[i, k] g_k, for the projection orders
    /// <paramref name="orders"/> (orders[i] lists the tasks g_i is projected against, in turn; i itself is skipped).
    /// </summary>
    internal static double[,] Projections(double[,] gram, int[][] orders)
    {
        int t = gram.GetLength(0);
        var c = new double[t, t];
        for (int i = 0; i < t; i++)
        {
            c[i, i] = 1;
            foreach (int j in orders[i])
            {
                if (j == i || !(gram[j, j] > 0))
                {
                    continue;
                }

                double dot = 0;
                for (int k = 0; k < t; k++)
                {
                    dot += c[i, k] * gram[k, j];
                }

                if (dot < 0)
                {
                    c[i, j] -= dot / gram[j, j];
                }
            }
        }

        return c;
    }

    /// <summary>The weights of the summed projections: the column sums of <paramref name="c"/>.</summary>
    internal static double[] Weights(double[,] c)
    {
        int t = c.GetLength(0);
        var w = new double[t];
        for (int i = 0; i < t; i++)
        {
            for (int k = 0; k < t; k++)
            {
                w[k] += c[i, k];
            }
        }

        return w;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("order", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("order", _rng);
    }
}
