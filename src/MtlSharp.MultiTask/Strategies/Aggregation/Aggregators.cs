using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>Creates the aggregator of an <see cref="AggregatorKind"/> (null for none).</summary>
public static class Aggregators
{
    /// <summary>
    /// The aggregator, or null for <see cref="AggregatorKind.None"/>; <paramref name="rng"/> is the stream of those that
    /// draw random numbers (PCGrad's orders, GradDrop's masks), kept by the aggregator.
    /// </summary>
    public static IGradientAggregator? Create(AggregatorKind kind, Rng rng, StrategyOptions? options = null)
    {
        var o = options ?? StrategyOptions.None;
        IGradientAggregator? aggregator = kind switch
        {
            AggregatorKind.None => null,
            AggregatorKind.Mean => new MeanAggregator(),
            AggregatorKind.PcGrad => new PcGradAggregator(rng),
            AggregatorKind.Mgda => new MgdaAggregator(),
            AggregatorKind.CaGrad => new CaGradAggregator(o.Get("c", CaGradAggregator.DefaultC), o.Get("rescale", 1) != 0),
            AggregatorKind.UpGrad => new UpGradAggregator(),
            AggregatorKind.ImtlG => new ImtlGAggregator(),
            AggregatorKind.AlignedMtl => new AlignedMtlAggregator(),
            AggregatorKind.Config => new ConfigAggregator(),
            AggregatorKind.GradDrop => new GradDropAggregator(rng),
            AggregatorKind.NashMtl => new NashMtlAggregator(),
            AggregatorKind.FairGrad => new FairGradAggregator(o.Get("alpha", FairGradAggregator.DefaultAlpha)),
            AggregatorKind.GradVac => new GradVacAggregator(rng, o.Get("beta", GradVacAggregator.DefaultBeta)),
            AggregatorKind.GradNorm => new GradNormAggregator(o.Get("alpha", GradNormAggregator.DefaultAlpha), o.Get("lr", GradNormAggregator.DefaultLearningRate)),
            AggregatorKind.DbMtl => new DbMtlAggregator(o.Get("beta", DbMtlAggregator.DefaultBeta), o.Get("sigma", DbMtlAggregator.DefaultSigma)),
            AggregatorKind.Great => new GreatAggregator(o.Get("lr", GreatAggregator.DefaultLearningRate)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown aggregator."),
        };
        o.CheckAllRead(aggregator?.Name ?? "none");
        return aggregator;
    }
}
