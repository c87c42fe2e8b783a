namespace MtlSharp.MultiTask.Reporting;

/// <summary>One task's final numbers.</summary>
/// <param name="Name">Task name.</param>
/// <param name="Metric">Metric name: "accuracy" (higher is better) or "mse" (lower is better).</param>
/// <param name="Test">The metric on the test split.</param>
/// <param name="Valid">The metric on the validation split, where one exists.</param>
public sealed record TaskResult(string Name, string Metric, double Test, double? Valid = null);
