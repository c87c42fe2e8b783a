namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// MGDA (Sener &amp; Koltun 2018, "Multi-Task Learning as Multi-Objective Optimization"; Désidéri 2012): the min-norm
/// point of the convex hull of the task gradients, d = Σ_i w_i g_i with w = argmin_{w ≥ 0, Σ w = 1} wᵀ G w on the
/// T × T Gram matrix G. Instead of the paper's Frank–Wolfe iterations this solves that small quadratic programme
/// exactly with an active-set method (<c>AggregationMath.MinimiseQuadratic</c>), so the weights do not depend on an
/// iteration budget. No gradient normalisation (LibMTL's <c>mgda_gn='none'</c>). When 0 lies in the hull (e.g. two
/// exactly opposite gradients) the direction is 0 (up to rounding); identical gradients give that gradient.
/// </summary>
public sealed class MgdaAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "mgda";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(MgdaAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var w = Weights(gradients.Gram());
        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>The min-norm weights on the simplex for the Gram matrix <paramref name="gram"/>.</summary>
    internal static double[] Weights(double[,] gram) =>
        AggregationMath.MinimiseQuadratic(gram, new double[gram.GetLength(0)], simplex: true);
}
