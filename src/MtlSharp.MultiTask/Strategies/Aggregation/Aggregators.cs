using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>Creates the aggregator of an <see cref="AggregatorKind"/> (null for none).</summary>
public static class Aggregators
{
    /// <summary>
    /// The aggregator, or null for <see cref="AggregatorKind.None"/>; <paramref name="rng"/> is the stream of those that
    /// draw random numbers (PCGrad's orders, GradDrop's masks), kept by the aggregator.
    /// </summary>
    public static IGradientAggregator? Create(AggregatorKind kind, Rng rng) => kind switch
    {
        AggregatorKind.None => null,
        AggregatorKind.Mean => new MeanAggregator(),
        AggregatorKind.PcGrad => new PcGradAggregator(rng),
        AggregatorKind.Mgda => new MgdaAggregator(),
        AggregatorKind.CaGrad => new CaGradAggregator(),
        AggregatorKind.UpGrad => new UpGradAggregator(),
        AggregatorKind.ImtlG => new ImtlGAggregator(),
        AggregatorKind.AlignedMtl => new AlignedMtlAggregator(),
        AggregatorKind.Config => new ConfigAggregator(),
        AggregatorKind.GradDrop => new GradDropAggregator(rng),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown aggregator."),
    };
}
