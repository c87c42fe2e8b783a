namespace MtlSharp.Benchmarks;

/// <summary>Measured FMA peak: vector width in bits, threads running at once, GFLOP/s (see <see cref="PeakProbe"/>).</summary>
internal sealed record PeakResult(int Bits, int Threads, double GflopsPerSecond);
