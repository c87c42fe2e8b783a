using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Run-level settings of a preset: what varies between runs of the same experiment.</summary>
public sealed record ExperimentSettings
{
    /// <summary>The run's seed (model initialisation, data generation, data order, noise).</summary>
    public int Seed { get; init; }

    /// <summary>Folder with the real datasets (e.g. <c>mnist/</c> inside); unused by synthetic presets.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>How active components are combined.</summary>
    public CombineMode Combine { get; init; } = CombineMode.Mean;

    /// <summary>Multiplies the preset's number of rounds (e.g. 0.01 for a smoke run); 1 is the paper's schedule.</summary>
    public double ScheduleScale { get; init; } = 1.0;

    /// <summary>Relatedness ρ of the synthetic-transfer tasks.</summary>
    public double Rho { get; init; } = 1.0;

    /// <summary>Budget b for <see cref="RoutingMethod.GumbelBudget"/>.</summary>
    public float Budget { get; init; } = 0.75f;

    /// <summary>Gumbel temperature schedule; null keeps the preset's (annealed, as the released code).</summary>
    public TemperatureSchedule? Temperature { get; init; }


    /// <summary>Training examples per synthetic task (the peer used 100,000).</summary>
    public int SyntheticTrainSize { get; init; } = 100_000;

    /// <summary>Test examples per synthetic task.</summary>
    public int SyntheticTestSize { get; init; } = 10_000;

    /// <summary>
    /// Which tasks each step trains (default: the paper's rounds). With <see cref="SamplerKind.All"/> a step holds
    /// every task and the schedule has as many steps as rounds; the one-task samplers take rounds × tasks steps.
    /// </summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.Rounds;

    /// <summary>T of the temperature sampler, p ∝ n^(1/T).</summary>
    public double SamplingTemperature { get; init; } = 2.0;

    /// <summary>A gradient aggregator instead of the loss sum (needs a sampler that draws every task per step).</summary>
    public AggregatorKind Aggregator { get; init; } = AggregatorKind.None;

    /// <summary>
    /// A loss weighting (exclusive with <see cref="Aggregator"/>); null keeps the routed presets' plain sum of the task
    /// losses (all weights 1, the same as <see cref="LossWeightingKind.Fixed"/>).
    /// </summary>
    public LossWeightingKind? Weighting { get; init; }

    /// <summary>Where the aggregator's per-task gradients are taken (parameters, or the shared representation: MGDA-UB).</summary>
    public GradientSpace Gradients { get; init; } = GradientSpace.Parameters;

    /// <summary>Hyperparameters of <see cref="Aggregator"/> (e.g. c of CAGrad).</summary>
    public IReadOnlyDictionary<string, double> AggregatorOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the sampler (the adaptive sampler's tau and target.TASK values).</summary>
    public IReadOnlyDictionary<string, double> SamplerOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the loss weighting (e.g. DWA's temperature).</summary>
    public IReadOnlyDictionary<string, double> WeightingOptions { get; init; } = new Dictionary<string, double>();
}
