namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>The loss-weighting strategies a preset can be told to use.</summary>
public enum LossWeightingKind
{
    /// <summary>Fixed λ = 1 per task (<see cref="FixedWeighting"/>).</summary>
    Fixed,

    /// <summary>Learned uncertainty weighting, Kendall et al. (<see cref="UncertaintyWeighting"/>).</summary>
    Uncertainty,
}
