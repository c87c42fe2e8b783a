namespace MtlSharp.MultiTask.Experiments;

/// <summary>One method's aggregate over seeds in a reproduction table.</summary>
/// <param name="Method">Method name.</param>
/// <param name="Variant">Extra setting distinguishing rows of the same method (e.g. "rho=0", "combine=sum"), or "".</param>
/// <param name="Metric">"accuracy" or "mse".</param>
/// <param name="Seeds">Seeds run.</param>
/// <param name="PerSeed">Mean test metric of each seed.</param>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="Std">Sample standard deviation over seeds.</param>
/// <param name="ActiveFraction">Mean active-connection fraction; null for networks without task allocations (per-example routing).</param>
/// <param name="GroupsShared">Seeds in which every expected group of related tasks ended with identical allocations.</param>
/// <param name="GroupsDistinct">Seeds in which the expected groups ended with pairwise different allocations.</param>
/// <param name="UpdatesPerSecond">Mean training updates per second.</param>
public sealed record ReproductionRow(
    string Method,
    string Variant,
    string Metric,
    int[] Seeds,
    double[] PerSeed,
    double Mean,
    double Std,
    double? ActiveFraction,
    int GroupsShared,
    int GroupsDistinct,
    double UpdatesPerSecond);
