namespace MtlSharp.Data.Tasks;

/// <summary>Whether a larger or a smaller value of a metric is better.</summary>
public enum MetricDirection
{
    /// <summary>Larger is better (accuracy).</summary>
    HigherIsBetter,

    /// <summary>Smaller is better (MSE, error rates).</summary>
    LowerIsBetter,
}
