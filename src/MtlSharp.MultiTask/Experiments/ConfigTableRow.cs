namespace MtlSharp.MultiTask.Experiments;

/// <summary>One method's row of a <see cref="ConfigTable"/>.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Runs">Seeds.</param>
/// <param name="Means">Per task (by name): mean test metric.</param>
/// <param name="Deviations">Per task: sample standard deviation (0 for one run).</param>
/// <param name="DeltaM">Mean Δm in percent against the baseline (null without one).</param>
/// <param name="DeltaMDeviation">Its standard deviation over seeds.</param>
public sealed record ConfigTableRow(string Method, int Runs, IReadOnlyDictionary<string, double> Means, IReadOnlyDictionary<string, double> Deviations, double? DeltaM, double? DeltaMDeviation);
