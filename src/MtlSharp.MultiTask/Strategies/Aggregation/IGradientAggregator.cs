namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>
/// A gradient aggregator (TorchJD's aggregators, LibMTL's gradient-based weightings): a pure function from the
/// per-task gradients of the shared parameters (and the task losses) to the one update direction written into
/// <c>destination</c>. It never sees the model; task-specific parameters get their ordinary gradients.
/// </summary>
public interface IGradientAggregator
{
    /// <summary>Stable name ("mean", "pcgrad", …).</summary>
    string Name { get; }

    /// <summary>
    /// Writes the aggregated gradient (length P) into <paramref name="destination"/> from the [T × P]
    /// <paramref name="gradients"/> of the step's tasks <paramref name="tasks"/> with losses
    /// <paramref name="losses"/>, and returns the effective per-row weights (for reports; NaN where not defined).
    /// </summary>
    double[] Aggregate(GradientMatrix gradients, ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, Span<float> destination);
}
