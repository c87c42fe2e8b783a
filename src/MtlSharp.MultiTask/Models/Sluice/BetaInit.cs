namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>How the β layer-mixing weights start (spec B4).</summary>
public enum BetaInit
{
    /// <summary>1/K for every layer.</summary>
    Balanced,

    /// <summary>The code default: 0.1/(K−1) for the lower layers and 0.9 for the last ([0.05, 0.05, 0.9] for K = 3).</summary>
    Imbalanced,
}
