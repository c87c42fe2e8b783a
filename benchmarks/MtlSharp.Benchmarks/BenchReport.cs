namespace MtlSharp.Benchmarks;

/// <summary>One result file: the host as .NET sees it, the measured FMA peaks, and the results.</summary>
internal sealed record BenchReport(HostInfo Host, IReadOnlyList<PeakResult> Peak, IReadOnlyList<BenchResult> Results);
