using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>One task: its name, kind, output width, and its splits (validation optional).</summary>
/// <param name="Name">Display name.</param>
/// <param name="Kind">Classification, multi-label or regression.</param>
/// <param name="Outputs">Classes (classification), labels (multi-label) or 1 (regression).</param>
/// <param name="Train">Training split.</param>
/// <param name="Test">Test split.</param>
/// <param name="Valid">Validation split, if any (used to pick the best checkpoint).</param>
public sealed record TaskData(string Name, TaskKind Kind, int Outputs, TaskSplit Train, TaskSplit Test, TaskSplit? Valid = null)
{
    private TaskInfo? _info;

    /// <summary>The metric (null: accuracy for classification and multi-label, MSE for regression).</summary>
    public MetricKind? Metric { get; init; }

    /// <summary>
    /// Regression: the standard deviation the targets were divided by (1 when not standardised). Metrics are
    /// reported in the original units: MSE × scale², RMSE and MAE × scale.
    /// </summary>
    public double TargetScale { get; init; } = 1.0;

    /// <summary>The task's description (name, kind, metric, direction).</summary>
    public TaskInfo Info => _info ??= Metric is { } m ? TaskInfo.Create(Name, Kind, Outputs, m)
        : Kind == TaskKind.Classification ? TaskInfo.Classification(Name, Outputs)
        : Kind == TaskKind.Regression ? TaskInfo.Regression(Name)
        : TaskInfo.Create(Name, Kind, Outputs, MetricKind.Accuracy);

    /// <summary>The metric's name as reported.</summary>
    public string MetricName => Info.Metric;

    /// <summary>Whether larger metric values are better.</summary>
    public bool HigherIsBetter => Info.HigherIsBetter;
}
