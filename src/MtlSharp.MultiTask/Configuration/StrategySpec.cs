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

    /// <summary>Where the aggregator's per-task gradients are taken (parameters, or the shared representation: MGDA-UB).</summary>
    public GradientSpace Gradients { get; init; } = GradientSpace.Parameters;

    /// <summary>Hyperparameters of <see cref="Aggregator"/> (e.g. c of CAGrad).</summary>
    public IReadOnlyDictionary<string, double> AggregatorOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the sampler (the adaptive sampler's tau and target.TASK values).</summary>
    public IReadOnlyDictionary<string, double> SamplerOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the loss weighting (e.g. DWA's temperature).</summary>
    public IReadOnlyDictionary<string, double> WeightingOptions { get; init; } = new Dictionary<string, double>();
}
