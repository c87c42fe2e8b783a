namespace MtlSharp.MultiTask.Reporting;

/// <summary>A named series of (x, y) points, e.g. a task's training loss against updates.</summary>
/// <param name="Name">Series name (legend), e.g. the task name.</param>
/// <param name="XLabel">What x counts, e.g. "updates".</param>
/// <param name="X">x values, increasing.</param>
/// <param name="Y">y values, one per x.</param>
public sealed record Curve(string Name, string XLabel, double[] X, double[] Y);
