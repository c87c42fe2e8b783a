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
    public static ILossWeighting Create(LossWeightingKind kind, int tasks, Rng rng, long? stepsPerEpoch = null, StrategyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var o = options ?? StrategyOptions.None;
        ILossWeighting weighting = kind switch
        {
            LossWeightingKind.Fixed => FixedWeighting.Equal(tasks),
            LossWeightingKind.Uncertainty => new UncertaintyWeighting(tasks),
            LossWeightingKind.Gls => new GeometricLossWeighting(tasks),
            LossWeightingKind.ImtlL => new ImtlLossWeighting(tasks),
            LossWeightingKind.Rlw => new RandomLossWeighting(tasks, rng),
            LossWeightingKind.Dwa => new DwaWeighting(tasks, stepsPerEpoch ?? DwaWeighting.DefaultEpochSteps, o.Get("temperature", DwaWeighting.DefaultTemperature)),
            LossWeightingKind.DbMtlLog => new LogLossWeighting(tasks),
            LossWeightingKind.Stch => new SmoothTchebycheffWeighting(tasks, (float)o.Get("mu", SmoothTchebycheffWeighting.DefaultMu), (long)o.Get("warmup", 0)),
            LossWeightingKind.Famo => new FamoWeighting(tasks, o.Get("lr", FamoWeighting.DefaultLearningRate), o.Get("gamma", FamoWeighting.DefaultWeightDecay)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss weighting."),
        };
        o.CheckAllRead(weighting.Name);
        return weighting;
    }
}
