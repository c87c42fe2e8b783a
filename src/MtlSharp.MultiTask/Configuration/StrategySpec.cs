using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>Task sampling, loss weighting and gradient aggregation (null: the model family's default).</summary>
public sealed record StrategySpec
{
    /// <summary>Tasks per step (null: rounds for routed image/synthetic data, all otherwise).</summary>
    public SamplerKind? Sampler { get; init; }

    /// <summary>T of the temperature sampler.</summary>
    public double SamplingTemperature { get; init; } = 2.0;

    /// <summary>Loss weighting (null: the plain sum, λ = 1).</summary>
    public LossWeightingKind? Weighting { get; init; }

    /// <summary>Gradient aggregator.</summary>
    public AggregatorKind Aggregator { get; init; } = AggregatorKind.None;
}
