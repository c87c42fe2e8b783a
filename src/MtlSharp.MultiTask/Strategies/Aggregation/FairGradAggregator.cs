namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// FairGrad (Ban &amp; Ji 2024, "Fair Resource Allocation in Multi-Task Learning"): d = Σ_i w_i g_i where the task
/// utilities u_i = g_iᵀ d satisfy α-fairness, G Gᵀ w = w^(−1/α); α = 1 is proportional fairness (Nash-MTL), larger α
/// moves towards max-min fairness. The paper solves the non-linear system with SciPy's least squares; here it is the
/// exact minimiser of the equivalent convex potential on the T × T Gram matrix (<see cref="FairnessSolver"/>).
/// Degenerate inputs as <see cref="NashMtlAggregator"/>.
/// </summary>
public sealed class FairGradAggregator : IGradientAggregator
{
    /// <summary>The paper's default α.</summary>
    public const double DefaultAlpha = 1.0;

    /// <summary>Creates FairGrad with fairness exponent <paramref name="alpha"/> &gt; 0.</summary>
    public FairGradAggregator(double alpha = DefaultAlpha)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "FairGrad's alpha must be a finite number > 0.");
        }

        Alpha = alpha;
    }

    /// <summary>The fairness exponent α.</summary>
    public double Alpha { get; }

    /// <inheritdoc/>
    public string Name => "fairgrad";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(FairGradAggregator), gradients, tasks, destination);
        return Apply(gradients, Alpha, destination);
    }

    /// <summary>Solves for the weights and writes Σ w_i g_i (zeros, with zero weights, when every gradient is zero).</summary>
    internal static double[] Apply(GradientMatrix gradients, double alpha, Span<float> destination)
    {
        var w = FairnessSolver.Solve(gradients.Gram(), alpha);
        if (w is null)
        {
            destination.Clear();
            return new double[gradients.Rows];
        }

        AggregationMath.Combine(gradients, w, destination);
        return w;
    }
}
