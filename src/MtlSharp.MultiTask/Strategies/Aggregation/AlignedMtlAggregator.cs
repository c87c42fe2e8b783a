namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// Aligned-MTL (Senushkin et al. 2023, "Independent Component Alignment for Multi-Task Learning", CVPR): the task
/// gradients are replaced by the closest (Procrustes) set of orthogonal gradients of equal norm, and those are summed.
/// With the T × T Gram matrix G = V Λ Vᵀ, the aligned rows are ĝ_i = Σ_j B_ij g_j for
/// B = σ_min V Λ^{-1/2} Vᵀ, σ_min = √λ_min the smallest singular value of the gradient matrix (the paper's and the
/// authors' default "min" scale), so that Ĝ Ĝᵀ = σ_min² I; the result is Σ_i ĝ_i, weights w = B·1 (a sum, as in the
/// authors' code and LibMTL). Rank-deficient G (dependent or identical gradients, a zero row, T &gt; P): eigenvalues at
/// most λ_max · T · 2⁻²³ (the float32 epsilon the authors use, since the gradients are float) are dropped, V and Λ keep
/// the r retained pairs, λ_min is the smallest retained one, and the aligned rows are orthogonal with norm σ_min within
/// the span of the gradients (Ĝ Ĝᵀ = σ_min² V_r V_rᵀ). All rows zero: the zero vector, weights 0.
/// The eigen-decomposition is a Jacobi solver in double precision.
/// </summary>
public sealed class AlignedMtlAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "alignedmtl";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(AlignedMtlAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var b = Alignment(gradients.Gram());
        int t = gradients.Rows;
        var w = new double[t];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                w[i] += b[i, j];
            }
        }

        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>
    /// The alignment B = σ_min V_r Λ_r^{-1/2} V_rᵀ of the Gram matrix <paramref name="gram"/> (symmetric; zero when no
    /// eigenvalue survives the tolerance): aligned row i = Σ_j B[i, j] g_j.
    /// </summary>
    internal static double[,] Alignment(double[,] gram)
    {
        int t = gram.GetLength(0);
        var v = SymmetricEigen.Decompose(gram, out var lambda);
        double max = lambda[^1];
        double tol = max * t * (1.0 / (1 << 23));
        var keep = Enumerable.Range(0, t).Where(k => lambda[k] > tol && max > 0).ToArray();
        var b = new double[t, t];
        if (keep.Length == 0)
        {
            return b;
        }

        double sigma = Math.Sqrt(keep.Min(k => lambda[k]));
        foreach (int k in keep)
        {
            double f = sigma / Math.Sqrt(lambda[k]);
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    b[i, j] += f * v[i, k] * v[j, k];
                }
            }
        }

        return b;
    }
}
