namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// CAGrad (Liu et al. 2021, "Conflict-Averse Gradient Descent for Multi-task Learning"): the direction d that
/// maximises the worst task improvement min_i g_iᵀ d within the ball ‖d − g₀‖ ≤ c‖g₀‖ around the mean gradient g₀.
/// Through the paper's dual, w = argmin_{w ∈ simplex} g_wᵀ g₀ + c‖g₀‖ ‖g_w‖ (g_w = Σ w_i g_i) and
/// d = g₀ + (c‖g₀‖ / ‖g_w‖) g_w, divided by 1 + c² when <c>rescale</c> (the authors' code and LibMTL's default,
/// <c>rescale=1</c>). Everything is on the Gram matrix. Solver: at the optimum w also minimises the quadratic
/// (s / c‖g₀‖) g_wᵀ g₀ + ½ ‖g_w‖² over the simplex with s = ‖g_w‖, so the solver bisects on s, solving each quadratic
/// programme exactly (active set), until ‖g_{w(s)}‖ = s. c = 0 (or a zero mean, e.g. two opposite gradients) is exactly
/// the mean gradient; so is the degenerate case where the dual optimum has g_w = 0 (documented fallback). T identical
/// gradients g give (1 + c)/(1 + c²) g (the formula); a single task (T = 1) gives its gradient unchanged.
/// </summary>
public sealed class CaGradAggregator : IGradientAggregator
{
    /// <summary>The paper's and LibMTL's default c.</summary>
    public const double DefaultC = 0.5;

    /// <summary>Creates CAGrad with radius factor <paramref name="c"/> (paper and LibMTL default 0.5) and the 1/(1 + c²) rescaling.</summary>
    public CaGradAggregator(double c = DefaultC, bool rescale = true)
    {
        if (!(c >= 0) || !double.IsFinite(c))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "CAGrad's c must be a finite number ≥ 0.");
        }

        C = c;
        Rescale = rescale;
    }

    /// <summary>The radius factor c (the ball around g₀ has radius c‖g₀‖).</summary>
    public double C { get; }

    /// <summary>Whether the direction is divided by 1 + c².</summary>
    public bool Rescale { get; }

    /// <inheritdoc/>
    public string Name => "cagrad";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(CaGradAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        if (C == 0)
        {
            return AggregationMath.Mean(gradients, destination);
        }

        var w = Weights(gradients.Gram(), C, Rescale);
        if (w is null)
        {
            return AggregationMath.Mean(gradients, destination);
        }

        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>The effective weights of d = Σ_i weight_i g_i, or null where d is the mean (c‖g₀‖ = 0 or g_w = 0).</summary>
    internal static double[]? Weights(double[,] gram, double c, bool rescale)
    {
        int t = gram.GetLength(0);
        var u = Enumerable.Repeat(1.0 / t, t).ToArray();
        var b = AggregationMath.Multiply(gram, u);   // b_i = g_i · g₀
        double g0Norm = Math.Sqrt(Math.Max(0, AggregationMath.Quadratic(gram, u)));
        double radius = c * g0Norm;
        double maxNorm = 0;
        for (int i = 0; i < t; i++)
        {
            maxNorm = Math.Max(maxNorm, Math.Sqrt(Math.Max(0, gram[i, i])));
        }

        if (!(radius > 1e-12 * maxNorm))
        {
            return null;
        }

        // h(s) = ‖g_{w(s)}‖ − s is non-increasing; h(0⁺) ≥ 0 and h(max ‖g_i‖) ≤ 0.
        double lo = 0, hi = maxNorm;
        double[] w = Solve(gram, b, hi / radius);
        for (int k = 0; k < 200 && hi - lo > 1e-15 * maxNorm; k++)
        {
            double mid = 0.5 * (lo + hi);
            var wm = Solve(gram, b, mid / radius);
            double norm = Math.Sqrt(Math.Max(0, AggregationMath.Quadratic(gram, wm)));
            if (norm > mid)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
                w = wm;
            }
        }

        double gwNorm = Math.Sqrt(Math.Max(0, AggregationMath.Quadratic(gram, w)));
        if (!(gwNorm > 1e-12 * maxNorm))
        {
            return null;
        }

        double lambda = radius / gwNorm, scale = rescale ? 1 / (1 + (c * c)) : 1;
        var weights = new double[t];
        for (int i = 0; i < t; i++)
        {
            weights[i] = ((1.0 / t) + (lambda * w[i])) * scale;
        }

        return weights;
    }

    private static double[] Solve(double[,] gram, double[] b, double factor)
    {
        var bs = new double[b.Length];
        for (int i = 0; i < b.Length; i++)
        {
            bs[i] = factor * b[i];
        }

        return AggregationMath.MinimiseQuadratic(gram, bs, simplex: true);
    }
}
