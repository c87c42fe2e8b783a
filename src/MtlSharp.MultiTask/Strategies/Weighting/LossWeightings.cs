using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>Builds the loss weighting a <see cref="LossWeightingKind"/> names.</summary>
public static class LossWeightings
{
    /// <summary>
    /// The strategy for <paramref name="tasks"/> tasks. <paramref name="rng"/> is the strategy's own stream (only
    /// <see cref="LossWeightingKind.Rlw"/> draws from it); <paramref name="stepsPerEpoch"/> is DWA's epoch length
    /// (null: <see cref="DwaWeighting.DefaultEpochSteps"/>).
    /// </summary>
    public static ILossWeighting Create(LossWeightingKind kind, int tasks, Rng rng, long? stepsPerEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return kind switch
        {
            LossWeightingKind.Fixed => FixedWeighting.Equal(tasks),
            LossWeightingKind.Uncertainty => new UncertaintyWeighting(tasks),
            LossWeightingKind.Gls => new GeometricLossWeighting(tasks),
            LossWeightingKind.ImtlL => new ImtlLossWeighting(tasks),
            LossWeightingKind.Rlw => new RandomLossWeighting(tasks, rng),
            LossWeightingKind.Dwa => new DwaWeighting(tasks, stepsPerEpoch ?? DwaWeighting.DefaultEpochSteps),
            LossWeightingKind.DbMtlLog => new LogLossWeighting(tasks),
            LossWeightingKind.Stch => new SmoothTchebycheffWeighting(tasks),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss weighting."),
        };
    }
}
