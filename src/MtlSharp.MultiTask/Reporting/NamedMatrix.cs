namespace MtlSharp.MultiTask.Reporting;

/// <summary>A labelled matrix to draw as a heatmap (sluice α per layer, β per task, allocations…).</summary>
/// <param name="Name">Title.</param>
/// <param name="RowLabels">One label per row.</param>
/// <param name="ColumnLabels">One label per column.</param>
/// <param name="Values">[row][column].</param>
public sealed record NamedMatrix(string Name, string[] RowLabels, string[] ColumnLabels, double[][] Values);
