namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// Nash-MTL (Navon et al. 2022, "Multi-Task Learning as a Bargaining Game"): d = Σ_i α_i g_i with the Nash bargaining
/// solution α &gt; 0 of G Gᵀ α = 1/α (elementwise), i.e. every task's directional improvement g_iᵀ d equals 1/α_i.
/// Solved exactly on the T × T Gram matrix (<see cref="FairnessSolver"/>, Newton on the convex potential) instead of
/// the paper's sequence of convex-concave approximations; the paper's optional weight-update skipping and max-norm
/// clipping are left to the loop's <c>ClipNorm</c>. A single task gives its unit gradient g/‖g‖ (α = 1/‖g‖); a
/// zero gradient matrix gives the zero direction; exactly opposite gradients give (nearly) zero.
/// </summary>
public sealed class NashMtlAggregator : IGradientAggregator
{
    /// <inheritdoc/>
    public string Name => "nashmtl";

    /// <inheritdoc/>
    public double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination)
    {
        AggregationMath.Check(nameof(NashMtlAggregator), gradients, tasks, destination);
        return FairGradAggregator.Apply(gradients, 1.0, destination);
    }
}
