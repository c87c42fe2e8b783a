namespace MtlSharp.Benchmarks;

/// <summary>
/// One measured configuration. <see cref="Key"/> must equal the key the PyTorch script writes for the same work
/// (e.g. "gemm/512x512x512") so the two can be paired. <see cref="PercentOfPeak"/>: GFLOP/s as a percentage of the
/// measured FMA peak at the same thread count (<see cref="PeakProbe"/>), where the case counts flops.
/// </summary>
internal sealed record BenchResult(
    string Case,
    string Key,
    int Threads,
    double SecondsPerIteration,
    double? GflopsPerSecond,
    double AllocatedBytesPerIteration,
    string Unit = "iter",
    double? PercentOfPeak = null)
{
    /// <summary>
    /// The fastest window's (or, for training loops, run's) seconds per iteration, where the case records it (every
    /// case that has a PyTorch counterpart except experts and omniglot).
    /// </summary>
    public double? BestSecondsPerIteration { get; init; }
}
