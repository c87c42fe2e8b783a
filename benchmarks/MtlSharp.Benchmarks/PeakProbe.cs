using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Benchmarks;

/// <summary>
/// Measured single-precision FMA peak of this machine: independent FMA chains (enough of them to cover the FMA
/// latency on every port) at 256 and 512 bits, on 1..n threads at once. Every GFLOP/s figure of the benchmarks is
/// also given as a percentage of the best width's peak at the same thread count.
/// </summary>
internal static class PeakProbe
{
    private const int Repeats = 3;
    private const long Iterations = 20_000_000;

    /// <summary>Peak GFLOP/s per accelerated width at <paramref name="threads"/> threads (best of a few runs).</summary>
    public static IReadOnlyList<PeakResult> Run(int threads)
    {
        var list = new List<PeakResult>();
        if (Fma.IsSupported && Avx.IsSupported)
        {
            list.Add(new PeakResult(256, threads, Best(threads, Iterations, Chains256, 12 * 8 * 2)));
        }

        if (Vector512.IsHardwareAccelerated)
        {
            list.Add(new PeakResult(512, threads, Best(threads, Iterations, Chains512, 24 * 16 * 2)));
        }

        return list;
    }

    private static double Best(int threads, long iterations, Func<long, float> body, int flopsPerIteration)
    {
        body(1000); // JIT
        double best = 0;
        for (int r = 0; r < Repeats; r++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    Sink(body(iterations));
                });
                workers[t].Start();
            }

            start.SignalAndWait();
            var sw = Stopwatch.StartNew();
            foreach (var w in workers)
            {
                w.Join();
            }

            double gflops = (double)flopsPerIteration * iterations * threads / sw.Elapsed.TotalSeconds / 1e9;
            best = Math.Max(best, gflops);
        }

        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sink(float value)
    {
        if (value == 12345.678f)
        {
            Console.WriteLine();
        }
    }

    /// <summary>12 independent 8-wide FMA chains (AVX2 has 16 YMM registers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var m = Vector256.Create(0.9999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1.00f), c1 = Vector256.Create(1.01f), c2 = Vector256.Create(1.02f);
        Vector256<float> c3 = Vector256.Create(1.03f), c4 = Vector256.Create(1.04f), c5 = Vector256.Create(1.05f);
        Vector256<float> c6 = Vector256.Create(1.06f), c7 = Vector256.Create(1.07f), c8 = Vector256.Create(1.08f);
        Vector256<float> c9 = Vector256.Create(1.09f), c10 = Vector256.Create(1.10f), c11 = Vector256.Create(1.11f);
        for (long i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, m, add);
            c1 = Fma.MultiplyAdd(c1, m, add);
            c2 = Fma.MultiplyAdd(c2, m, add);
            c3 = Fma.MultiplyAdd(c3, m, add);
            c4 = Fma.MultiplyAdd(c4, m, add);
            c5 = Fma.MultiplyAdd(c5, m, add);
            c6 = Fma.MultiplyAdd(c6, m, add);
            c7 = Fma.MultiplyAdd(c7, m, add);
            c8 = Fma.MultiplyAdd(c8, m, add);
            c9 = Fma.MultiplyAdd(c9, m, add);
            c10 = Fma.MultiplyAdd(c10, m, add);
            c11 = Fma.MultiplyAdd(c11, m, add);
        }

        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(s);
    }

    /// <summary>24 independent 16-wide FMA chains (AVX-512 has 32 ZMM registers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long iterations)
    {
        var m = Vector512.Create(0.9999999f);
        var add = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1.00f), c1 = Vector512.Create(1.01f), c2 = Vector512.Create(1.02f);
        Vector512<float> c3 = Vector512.Create(1.03f), c4 = Vector512.Create(1.04f), c5 = Vector512.Create(1.05f);
        Vector512<float> c6 = Vector512.Create(1.06f), c7 = Vector512.Create(1.07f), c8 = Vector512.Create(1.08f);
        Vector512<float> c9 = Vector512.Create(1.09f), c10 = Vector512.Create(1.10f), c11 = Vector512.Create(1.11f);
        Vector512<float> d0 = Vector512.Create(1.12f), d1 = Vector512.Create(1.13f), d2 = Vector512.Create(1.14f);
        Vector512<float> d3 = Vector512.Create(1.15f), d4 = Vector512.Create(1.16f), d5 = Vector512.Create(1.17f);
        Vector512<float> d6 = Vector512.Create(1.18f), d7 = Vector512.Create(1.19f), d8 = Vector512.Create(1.20f);
        Vector512<float> d9 = Vector512.Create(1.21f), d10 = Vector512.Create(1.22f), d11 = Vector512.Create(1.23f);
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, add);
            c1 = Vector512.FusedMultiplyAdd(c1, m, add);
            c2 = Vector512.FusedMultiplyAdd(c2, m, add);
            c3 = Vector512.FusedMultiplyAdd(c3, m, add);
            c4 = Vector512.FusedMultiplyAdd(c4, m, add);
            c5 = Vector512.FusedMultiplyAdd(c5, m, add);
            c6 = Vector512.FusedMultiplyAdd(c6, m, add);
            c7 = Vector512.FusedMultiplyAdd(c7, m, add);
            c8 = Vector512.FusedMultiplyAdd(c8, m, add);
            c9 = Vector512.FusedMultiplyAdd(c9, m, add);
            c10 = Vector512.FusedMultiplyAdd(c10, m, add);
            c11 = Vector512.FusedMultiplyAdd(c11, m, add);
            d0 = Vector512.FusedMultiplyAdd(d0, m, add);
            d1 = Vector512.FusedMultiplyAdd(d1, m, add);
            d2 = Vector512.FusedMultiplyAdd(d2, m, add);
            d3 = Vector512.FusedMultiplyAdd(d3, m, add);
            d4 = Vector512.FusedMultiplyAdd(d4, m, add);
            d5 = Vector512.FusedMultiplyAdd(d5, m, add);
            d6 = Vector512.FusedMultiplyAdd(d6, m, add);
            d7 = Vector512.FusedMultiplyAdd(d7, m, add);
            d8 = Vector512.FusedMultiplyAdd(d8, m, add);
            d9 = Vector512.FusedMultiplyAdd(d9, m, add);
            d10 = Vector512.FusedMultiplyAdd(d10, m, add);
            d11 = Vector512.FusedMultiplyAdd(d11, m, add);
        }

        var s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        s += ((d0 + d1) + (d2 + d3)) + ((d4 + d5) + (d6 + d7)) + ((d8 + d9) + (d10 + d11));
        return Vector512.Sum(s);
    }
}
