namespace MtlSharp.Data.Tasks;

/// <summary>
/// What the training loop and the reports need to know of a task: its name, kind, output width, metric and the
/// metric's direction. Data readers produce it next to the data.
/// </summary>
/// <param name="Name">Display name (unique within a run).</param>
/// <param name="Kind">What is predicted (fixes the loss).</param>
/// <param name="Outputs">Classes (classification, tagging), labels (multi-label) or 1 (regression).</param>
/// <param name="Metric">The metric's name as reported ("accuracy", "mse").</param>
/// <param name="Direction">Whether a higher metric is better.</param>
public sealed record TaskInfo(string Name, TaskKind Kind, int Outputs, string Metric, MetricDirection Direction)
{
    /// <summary>How the task is scored (its <see cref="Metric"/> name and <see cref="Direction"/> follow from it).</summary>
    public MetricKind Measure { get; init; } = Kind == TaskKind.Regression ? MetricKind.Mse : MetricKind.Accuracy;

    /// <summary>A classification task over <paramref name="classes"/> classes, scored by accuracy.</summary>
    public static TaskInfo Classification(string name, int classes) =>
        new(name, TaskKind.Classification, classes, "accuracy", MetricDirection.HigherIsBetter);

    /// <summary>A one-output regression task scored by mean squared error.</summary>
    public static TaskInfo Regression(string name) =>
        new(name, TaskKind.Regression, 1, "mse", MetricDirection.LowerIsBetter);

    /// <summary>A sequence-tagging task over <paramref name="tags"/> tags, scored by token accuracy.</summary>
    public static TaskInfo Tagging(string name, int tags) =>
        new(name, TaskKind.SequenceTagging, tags, "accuracy", MetricDirection.HigherIsBetter);

    /// <summary>A task of any kind scored by <paramref name="metric"/>.</summary>
    public static TaskInfo Create(string name, TaskKind kind, int outputs, MetricKind metric) =>
        new(name, kind, outputs, MetricName(metric), DirectionOf(metric)) { Measure = metric };

    /// <summary>The reported name of a metric ("accuracy", "macro-f1", "micro-f1", "mse", "rmse", "mae").</summary>
    public static string MetricName(MetricKind metric) => metric switch
    {
        MetricKind.Accuracy => "accuracy",
        MetricKind.MacroF1 => "macro-f1",
        MetricKind.MicroF1 => "micro-f1",
        MetricKind.Mse => "mse",
        MetricKind.Rmse => "rmse",
        MetricKind.Mae => "mae",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>Whether a larger value of <paramref name="metric"/> is better.</summary>
    public static MetricDirection DirectionOf(MetricKind metric) =>
        metric is MetricKind.Accuracy or MetricKind.MacroF1 or MetricKind.MicroF1 ? MetricDirection.HigherIsBetter : MetricDirection.LowerIsBetter;

    /// <summary>Whether larger metric values are better.</summary>
    public bool HigherIsBetter => Direction == MetricDirection.HigherIsBetter;

    /// <summary>The metric with its sign set so that larger is better (for model selection).</summary>
    public double Score(double metric) => HigherIsBetter ? metric : -metric;
}
