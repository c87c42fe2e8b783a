namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// UPGrad (Quinton &amp; Rey 2024, "Jacobian Descent for Multi-Objective Optimization", TorchJD's <c>UPGrad</c> with the
/// mean preference): each task gradient g_i is projected onto the dual cone {x : G_J x ≥ 0} of the rows and the
/// projections are averaged. In weight space the projection of g_i is Jᵀ v_i with
/// v_i = argmin_{v ≥ e_i} vᵀ G v (a non-negative quadratic programme on the Gram matrix, solved exactly by an
/// active-set method), and the weights are w = (1/T) Σ_i v_i. By the programme's optimality conditions G v_i ≥ 0, so
/// the result has a non-negative inner product with every task gradient. TorchJD normalises the Gram by its trace and
/// adds a 1e-4 ridge; here the solver's ridge is 1e-10 × mean(diag G), so the answer is the unregularised projection
/// to about that relative precision. A zero row contributes nothing; identical rows give that gradient.
/// </summary>
public sealed class UpGradAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "upgrad";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(UpGradAggregator), gradients, tasks, destination);
        if (gradients.Rows == 1)
        {
            return AggregationMath.Single(gradients, destination);
        }

        var w = Weights(gradients.Gram());
        AggregationMath.Combine(gradients, w, destination);
        return w;
    }

    /// <summary>The UPGrad weights (1/T) Σ_i v_i for the Gram matrix <paramref name="gram"/>.</summary>
    internal static double[] Weights(double[,] gram)
    {
        int t = gram.GetLength(0);
        var w = new double[t];
        for (int i = 0; i < t; i++)
        {
            // v = e_i + z, z ≥ 0: min ½ zᵀ G z + (G e_i)ᵀ z.
            var b = new double[t];
            for (int j = 0; j < t; j++)
            {
                b[j] = gram[j, i];
            }

            var z = AggregationMath.MinimiseQuadratic(gram, b, simplex: false);
            for (int j = 0; j < t; j++)
            {
                w[j] += (z[j] + (i == j ? 1 : 0)) / t;
            }
        }

        return w;
    }
}
