namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// IMTL-G, the gradient half of IMTL (Liu et al. 2021, "Towards Impartial Multi-task Learning", ICLR): the combination
/// d = Σ_i α_i g_i with Σ α_i = 1 whose projections onto every unit task gradient u_i = g_i/‖g_i‖ are equal. Closed form
/// (paper, eq. 5): D = [g₁ − g_i]_{i≥2}, U = [u₁ − u_i]_{i≥2}, α_{2..T} = g₁ Uᵀ (D Uᵀ)⁻¹, α₁ = 1 − Σ α_{2..T}; every
/// product is an entry of the Gram matrix divided by row norms, so the (T−1)² system is built and solved in double
/// (Gaussian elimination with partial pivoting; a pivot below 1e-12 × the largest entry counts as singular). Zero rows have no direction: they get weight 0 and the rest is solved
/// without them (one non-zero row: that row). Fallback: when the system is singular to working precision (identical
/// gradients, or more generally dependent differences) the result is the mean gradient, weights 1/T.
/// </summary>
public sealed class ImtlGAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "imtlg";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(ImtlGAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var w = Weights(gradients.Gram());
        if (w is null)
        {
            return AggregationMath.Mean(gradients, destination);
        }

        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>The IMTL-G weights, or null for the mean fallback (no non-zero row, or a singular system).</summary>
    internal static double[]? Weights(double[,] gram)
    {
        int t = gram.GetLength(0);
        var rows = Enumerable.Range(0, t).Where(i => gram[i, i] > 0).ToArray();
        var w = new double[t];
        if (rows.Length == 0)
        {
            return null;
        }

        if (rows.Length == 1)
        {
            w[rows[0]] = 1;
            return w;
        }

        int m = rows.Length - 1, a = rows[0];
        var norm = new double[t];
        foreach (int i in rows)
        {
            norm[i] = Math.Sqrt(gram[i, i]);
        }

        double Gu(int x, int y) => gram[x, y] / norm[y];   // g_x · u_y

        // M = D Uᵀ, r = g₁ Uᵀ; α M = r ⇔ Mᵀ αᵀ = rᵀ.
        var mt = new double[m, m];
        var r = new double[m];
        for (int l = 0; l < m; l++)
        {
            int bl = rows[l + 1];
            r[l] = Gu(a, a) - Gu(a, bl);
            for (int k = 0; k < m; k++)
            {
                int bk = rows[k + 1];
                mt[l, k] = Gu(a, a) - Gu(a, bl) - Gu(bk, a) + Gu(bk, bl);
            }
        }

        var alpha = AggregationMath.Solve(mt, r, 1e-12);
        if (alpha is null || alpha.Any(x => !double.IsFinite(x)))
        {
            return null;
        }

        w[a] = 1 - alpha.Sum();
        for (int k = 0; k < m; k++)
        {
            w[rows[k + 1]] = alpha[k];
        }

        return w;
    }
}
