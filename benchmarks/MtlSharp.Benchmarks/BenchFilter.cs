namespace MtlSharp.Benchmarks;

/// <summary>
/// The environment variable <c>BENCH_FILTER</c>: when set (and not empty), cases that honour it run only the
/// configurations whose key contains one of its comma-separated substrings (ordinal, case-sensitive), e.g.
/// <c>BENCH_FILTER=mnist_l2,mnist_l3</c>. Honoured by the conv, GEMM, inference and tagger cases (the tagger's keys are matched without
/// their token count, e.g. <c>BENCH_FILTER=hard_b32</c>).
/// </summary>
internal static class BenchFilter
{
    /// <summary>The environment variable's name.</summary>
    public const string Variable = "BENCH_FILTER";

    private static readonly string[] s_parts = (Environment.GetEnvironmentVariable(Variable) ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Whether the configuration <paramref name="key"/> runs.</summary>
    public static bool Matches(string key) => s_parts.Length == 0 || s_parts.Any(p => key.Contains(p, StringComparison.Ordinal));
}
