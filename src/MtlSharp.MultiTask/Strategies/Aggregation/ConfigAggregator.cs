namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// ConFIG (Liu et al. 2024, "ConFIG: Towards Conflict-free Training of Physics Informed Neural Networks"): the
/// direction u = U⁺ 1 for the unit task gradients U (rows u_i = g_i/‖g_i‖), i.e. the least-squares (minimum-norm)
/// solution of u_i · u = 1 for every i, so that the result has the same cosine with every task gradient; it is scaled
/// to length Σ_i g_i · û (û = u/‖u‖; the authors' default <c>ProjectionLength</c>, as in TorchJD's ConFIG). In Gram
/// form: N = the normalised Gram matrix (N_ij = cos(g_i, g_j)), a = N⁺ 1, u = Σ_i a_i u_i, ‖u‖² = aᵀ N a, and the
/// weights are w_j = (Σ_i g_i · û) a_j / (‖g_j‖ ‖u‖). The pseudo-inverse drops eigenvalues of N at most
/// 1e-10 × the largest (singular values of U below 1e-5 of the largest: float32 gradients carry no more), so
/// dependent or identical gradients are solved in their span. Zero rows have no direction: their unit row is 0 and their
/// weight 0. When ‖u‖² ≤ 1e-10 (1 orthogonal to the span of U: exactly opposite gradients, all rows zero) no direction
/// satisfies any equation and the result is the zero vector, weights 0.
/// </summary>
public sealed class ConfigAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "config";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(ConfigAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var w = Weights(gradients.Gram());
        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>The ConFIG weights of the rows for the Gram matrix <paramref name="gram"/>.</summary>
    internal static double[] Weights(double[,] gram)
    {
        int t = gram.GetLength(0);
        var norm = new double[t];
        for (int i = 0; i < t; i++)
        {
            norm[i] = gram[i, i] > 0 ? Math.Sqrt(gram[i, i]) : 0;
        }

        var n = new double[t, t];
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                n[i, j] = norm[i] > 0 && norm[j] > 0 ? gram[i, j] / (norm[i] * norm[j]) : 0;
            }
        }

        var v = SymmetricEigen.Decompose(n, out var lambda);
        double max = lambda[^1];
        var a = new double[t];
        for (int k = 0; k < t; k++)
        {
            if (!(max > 0) || lambda[k] <= 1e-10 * max)
            {
                continue;
            }

            double dot = 0;
            for (int i = 0; i < t; i++)
            {
                dot += v[i, k];
            }

            for (int i = 0; i < t; i++)
            {
                a[i] += v[i, k] * dot / lambda[k];
            }
        }

        var w = new double[t];
        double u2 = AggregationMath.Quadratic(n, a);
        if (!(u2 > 1e-10))
        {
            return w;
        }

        double unorm = Math.Sqrt(u2);
        for (int j = 0; j < t; j++)
        {
            w[j] = norm[j] > 0 ? a[j] / (norm[j] * unorm) : 0;   // û = Σ_j w_j g_j (before the length)
        }

        double length = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                length += gram[i, j] * w[j];
            }
        }

        for (int j = 0; j < t; j++)
        {
            w[j] *= length;
        }

        return w;
    }
}
