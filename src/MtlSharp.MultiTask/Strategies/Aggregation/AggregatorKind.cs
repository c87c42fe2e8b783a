namespace MtlSharp.MultiTask.Strategies.Aggregation;

/// <summary>The gradient aggregators a preset can be run with (the command line's <c>--aggregator</c>).</summary>
public enum AggregatorKind
{
    /// <summary>No aggregator: the loss weighting scalarises the task losses.</summary>
    None,

    /// <summary><see cref="MeanAggregator"/>.</summary>
    Mean,

    /// <summary><see cref="PcGradAggregator"/>.</summary>
    PcGrad,

    /// <summary><see cref="MgdaAggregator"/>.</summary>
    Mgda,

    /// <summary><see cref="CaGradAggregator"/> (c = 0.5).</summary>
    CaGrad,

    /// <summary><see cref="UpGradAggregator"/>.</summary>
    UpGrad,

    /// <summary><see cref="ImtlGAggregator"/>.</summary>
    ImtlG,

    /// <summary><see cref="AlignedMtlAggregator"/>.</summary>
    AlignedMtl,

    /// <summary><see cref="ConfigAggregator"/>.</summary>
    Config,

    /// <summary><see cref="GradDropAggregator"/>.</summary>
    GradDrop,

    /// <summary><see cref="NashMtlAggregator"/>.</summary>
    NashMtl,

    /// <summary><see cref="FairGradAggregator"/>.</summary>
    FairGrad,

    /// <summary><see cref="GradVacAggregator"/>.</summary>
    GradVac,

    /// <summary><see cref="GradNormAggregator"/>.</summary>
    GradNorm,

    /// <summary><see cref="DbMtlAggregator"/>.</summary>
    DbMtl,

    /// <summary><see cref="GreatAggregator"/>.</summary>
    Great,
}
