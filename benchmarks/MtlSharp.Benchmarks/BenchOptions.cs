namespace MtlSharp.Benchmarks;

/// <summary>How long to measure: warm-up, then the median of <see cref="Windows"/> windows of <see cref="WindowSeconds"/>.</summary>
internal sealed record BenchOptions(double WarmupSeconds = 0.5, double WindowSeconds = 0.5, int Windows = 5);
