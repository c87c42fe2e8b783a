namespace MtlSharp.Benchmarks;

/// <summary>One benchmark family (gemm, conv, lstm, train steps…). Registered explicitly in <see cref="Program"/>.</summary>
internal interface IBenchCase
{
    /// <summary>Family name used on the command line and in the results (matches the PyTorch script's).</summary>
    string Name { get; }

    /// <summary>Runs every configuration of the family at the current thread count.</summary>
    IEnumerable<BenchResult> Run(BenchOptions options);
}
