namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>The loss-weighting strategies a preset can be told to use (built by <see cref="LossWeightings.Create"/>).</summary>
public enum LossWeightingKind
{
    /// <summary>Fixed λ = 1 per task (<see cref="FixedWeighting"/>).</summary>
    Fixed,

    /// <summary>Learned uncertainty weighting, Kendall et al. (<see cref="UncertaintyWeighting"/>).</summary>
    Uncertainty,

    /// <summary>Geometric loss strategy, Chennupati et al. (<see cref="GeometricLossWeighting"/>).</summary>
    Gls,

    /// <summary>Learned loss scales of IMTL, Liu et al. 2021 (<see cref="ImtlLossWeighting"/>).</summary>
    ImtlL,

    /// <summary>Random loss weighting, Lin et al. (<see cref="RandomLossWeighting"/>).</summary>
    Rlw,

    /// <summary>Dynamic weight averaging, Liu et al. 2019 (<see cref="DwaWeighting"/>).</summary>
    Dwa,

    /// <summary>DB-MTL's log transform of the losses, Lin et al. 2023 (<see cref="LogLossWeighting"/>).</summary>
    DbMtlLog,

    /// <summary>Smooth Tchebycheff scalarisation, Lin et al. 2024 (<see cref="SmoothTchebycheffWeighting"/>).</summary>
    Stch,

    /// <summary>Fast adaptive multitask optimisation, Liu et al. 2023 (<see cref="FamoWeighting"/>).</summary>
    Famo,
}
