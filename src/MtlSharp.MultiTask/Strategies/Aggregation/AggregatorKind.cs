namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>The gradient aggregators a preset can be run with (the command line's <c>--aggregator</c>).</summary>
public enum AggregatorKind
{
    /// <summary>No aggregator: the loss weighting scalarises the task losses.</summary>
    None,

    /// <summary><see cref="MeanAggregator"/>.</summary>
    Mean,
}
