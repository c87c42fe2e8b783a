namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>Creates the aggregator of an <see cref="AggregatorKind"/> (null for none).</summary>
public static class Aggregators
{
    /// <summary>The aggregator, or null for <see cref="AggregatorKind.None"/>.</summary>
    public static IGradientAggregator? Create(AggregatorKind kind) => kind switch
    {
        AggregatorKind.None => null,
        AggregatorKind.Mean => new MeanAggregator(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown aggregator."),
    };
}
