namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// How one routed layer's allocation probabilities P(z[t,c] = 1) evolved: <c>Probabilities[i][t][c]</c> at
/// <c>Steps[i]</c> (updates).
/// </summary>
/// <param name="Layer">Layer index (0-based).</param>
/// <param name="Steps">Update counts at which a snapshot was taken.</param>
/// <param name="Probabilities">Snapshots: [snapshot][task][component].</param>
public sealed record AllocationHistory(int Layer, long[] Steps, double[][][] Probabilities);
