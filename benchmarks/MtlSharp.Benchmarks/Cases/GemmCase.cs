using MtlSharp.Tensors;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// <see cref="Gemm.Multiply"/> on square and model-shaped (small, skinny) products. Key
/// <c>gemm/{m}x{n}x{k}</c> is C[m,n] = A[m,k]·B[k,n]; a suffix <c>/nt</c> means B stored [n,k] (Linear's x·Wᵀ),
/// <c>/tn</c> means A stored [k,m] (a weight gradient). Same keys as <c>benchmarks/torch/bench_gemm.py</c>.
/// </summary>
internal sealed class GemmCase : IBenchCase
{
    /// <summary>(m, n, k, transA, transB).</summary>
    private static readonly (int M, int N, int K, bool TA, bool TB)[] Configs =
    [
        (256, 256, 256, false, false),
        (512, 512, 512, false, false),
        (1024, 1024, 1024, false, false),
        (512, 512, 512, false, true),
        (512, 512, 512, true, false),
        (16, 10, 36, false, false),
        (64, 64, 128, false, false),
        (64, 64, 128, false, true),
        (32, 400, 100, false, false),
        (32, 400, 100, false, true),
        (64, 16, 16, false, false),
        (4, 576, 25, false, false),
        (48, 11025, 432, false, false),
        (32, 512, 256, false, false),
    ];

    public string Name => "gemm";

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        var rng = new Random(1);
        foreach (var (m, n, k, ta, tb) in Configs)
        {
            string suffix = ta ? "/tn" : tb ? "/nt" : "";
            string key = $"gemm/{m}x{n}x{k}{suffix}";
            if (!BenchFilter.Matches(key))
            {
                continue;
            }

            float[] a = Fill(rng, m * k);
            float[] b = Fill(rng, k * n);
            float[] c = new float[m * n];
            var (seconds, best, alloc) = Measure.TimeWithBest(() => Gemm.Multiply(a, ta, b, tb, c, m, n, k, accumulate: false), options);
            yield return new BenchResult(Name, key, Threading.ThreadCount, seconds, 2.0 * m * n * k / seconds / 1e9, alloc)
            {
                BestSecondsPerIteration = best,
            };
        }
    }

    private static float[] Fill(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }
}
