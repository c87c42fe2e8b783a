namespace MtlSharp.Data.Tasks;

/// <summary>How a task is scored.</summary>
public enum MetricKind
{
    /// <summary>Fraction of labelled examples (tokens; multi-label: label entries) predicted right; higher is better.</summary>
    Accuracy,

    /// <summary>Unweighted mean over classes of F1; higher is better.</summary>
    MacroF1,

    /// <summary>Multi-label: F1 over all label entries pooled; higher is better.</summary>
    MicroF1,

    /// <summary>Mean squared error (original units); lower is better.</summary>
    Mse,

    /// <summary>Root mean squared error; lower is better.</summary>
    Rmse,

    /// <summary>Mean absolute error; lower is better.</summary>
    Mae,
}
