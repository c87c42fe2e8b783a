using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>One task: its name, kind, output width, and its splits (validation optional).</summary>
/// <param name="Name">Display name.</param>
/// <param name="Kind">Classification or regression.</param>
/// <param name="Outputs">Classes (classification) or 1 (regression).</param>
/// <param name="Train">Training split.</param>
/// <param name="Test">Test split.</param>
/// <param name="Valid">Validation split, if any (used to pick the best checkpoint).</param>
public sealed record TaskData(string Name, TaskKind Kind, int Outputs, TaskSplit Train, TaskSplit Test, TaskSplit? Valid = null)
{
    /// <summary>The task's description (name, kind, metric, direction).</summary>
    public TaskInfo Info { get; } = Kind == TaskKind.Classification ? TaskInfo.Classification(Name, Outputs) : TaskInfo.Regression(Name);

    /// <summary>The metric's name as reported.</summary>
    public string MetricName => Info.Metric;

    /// <summary>Whether larger metric values are better.</summary>
    public bool HigherIsBetter => Info.HigherIsBetter;
}
