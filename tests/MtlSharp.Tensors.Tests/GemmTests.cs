using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// <see cref="Gemm.Multiply"/> against a float64 reference: many shapes (edges around the 6×16 tile, the MC/KC/NC
/// blocks, the direct-B row limit, the skinny shapes the models use), all transpose combinations, overwrite and
/// accumulate, 1 and 2 threads (products of ≥ 2²¹ multiply-adds, 2¹⁹ with the 256-bit kernels, take the parallel path: 1100×20×100 splits rows,
/// the wider ones split columns); plus run-to-run bit-identity.
/// </summary>
[Collection("Threading")]
public sealed class GemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 1, 1, 7 },
        { 2, 3, 4 },
        { 3, 5, 1 },
        { 7, 13, 17 },
        { 6, 16, 8 },
        { 6, 8, 5 },
        { 5, 15, 9 },
        { 11, 23, 29 },
        { 12, 32, 256 },
        { 13, 33, 257 },
        { 100, 8, 513 },
        { 145, 17, 3 },
        { 2, 4081, 3 },
        { 1, 300, 50 },
        { 300, 1, 50 },
        { 16, 10, 36 },
        { 64, 64, 128 },
        { 32, 400, 100 },
        { 4, 576, 25 },
        { 48, 100, 40 },
        { 49, 70, 20 },
        { 300, 20, 64 },
        { 1100, 20, 100 },
        { 257, 131, 300 },
        { 48, 512, 300 },
        { 24, 1024, 130 },
    };

    /// <summary>Shapes for the unpacked small-product path: the small-MLP shapes, degenerate n = 1 / m = 1 / k = 1,
    /// ragged column (16-wide), row (6-high) and depth (8-deep) edges, and around the transpose-B row threshold.</summary>
    public static TheoryData<int, int, int> SmallShapes => new()
    {
        { 1, 1, 1 },
        { 1, 1, 9 },
        { 1, 9, 1 },
        { 9, 1, 1 },
        { 2, 1, 3 },
        { 1, 17, 33 },
        { 3, 40, 31 },
        { 7, 9, 8 },
        { 15, 17, 9 },
        { 16, 17, 9 },
        { 17, 23, 15 },
        { 13, 7, 40 },
        { 64, 16, 128 },
        { 128, 16, 64 },
        { 64, 128, 16 },
        { 64, 16, 16 },
        { 64, 1, 16 },
        { 16, 1, 64 },
        { 64, 16, 1 },
        { 6, 24, 5 },
        { 12, 8, 7 },
        { 5, 33, 70 },
        { 33, 5, 70 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesFloat64Reference(int m, int n, int k) => CheckAgainstReference(m, n, k, GemmPath.Auto);

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void SmallPathMatchesFloat64Reference(int m, int n, int k)
    {
        CheckAgainstReference(m, n, k, GemmPath.Small);
        CheckAgainstReference(m, n, k, GemmPath.Auto);
    }

    [Theory]
    [InlineData(64, 64, 64)] // exactly at the small-path work limit (2^18)
    [InlineData(64, 64, 65)] // just above it
    [InlineData(65, 64, 63)]
    public void AroundTheSmallPathThresholdMatchesReference(int m, int n, int k)
    {
        CheckAgainstReference(m, n, k, GemmPath.Auto);
        CheckAgainstReference(m, n, k, GemmPath.Small);
        CheckAgainstReference(m, n, k, GemmPath.Blocked);
    }

    /// <summary>Skinny products (n ≤ 32) large enough to be split over row blocks on two threads (n = 1 stays serial).</summary>
    [Theory]
    [InlineData(1101, 20, 100)]
    [InlineData(10, 32, 7000)]
    [InlineData(3001, 2, 400)]
    [InlineData(1000, 1, 1100)]
    public void SkinnyLargeProductsMatchReferenceAndAreThreadCountIndependent(int m, int n, int k)
    {
        CheckAgainstReference(m, n, k, GemmPath.Auto);
        int saved = Threading.ThreadCount;
        try
        {
            var rng = new Random(99);
            float[] a = Random(rng, m * k);
            float[] b = Random(rng, k * n);
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    Threading.ThreadCount = 1;
                    float[] single = new float[m * n];
                    Gemm.Multiply(a, transA, b, transB, single, m, n, k, accumulate: false);
                    Threading.ThreadCount = 2;
                    float[] two = new float[m * n];
                    Gemm.Multiply(a, transA, b, transB, two, m, n, k, accumulate: false);
                    Assert.Equal(single, two);
                }
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void SmallPathIsBitIdenticalRunToRun()
    {
        var rng = new Random(7);
        const int m = 37, n = 21, k = 45;
        float[] a = Random(rng, m * k);
        float[] b = Random(rng, k * n);
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                float[] first = new float[m * n];
                Gemm.Multiply(a, transA, b, transB, first, m, n, k, accumulate: false);
                float[] again = new float[m * n];
                Gemm.Multiply(a, transA, b, transB, again, m, n, k, accumulate: false);
                Assert.Equal(first, again);
            }
        }
    }

    private static void CheckAgainstReference(int m, int n, int k, GemmPath path)
    {
        int saved = Threading.ThreadCount;
        try
        {
            var rng = new Random((m * 7919) + (n * 104729) + k);
            float[] a = Random(rng, m * k);
            float[] b = Random(rng, k * n);
            float[] c0 = Random(rng, m * n);
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        (double[] expected, double[] bound) = Reference(a, transA, b, transB, c0, m, n, k, accumulate);
                        foreach (int threads in new[] { 1, 2 })
                        {
                            Threading.ThreadCount = threads;

                            // One guard element past C must stay untouched (masked stores at ragged edges).
                            float[] c = new float[c0.Length + 1];
                            c0.CopyTo(c, 0);
                            c[^1] = 12345f;
                            Gemm.MultiplyOnPath(a, transA, b, transB, c, m, n, k, accumulate, path);
                            Assert.Equal(12345f, c[^1]);
                            for (int i = 0; i < c0.Length; i++)
                            {
                                double tol = (1.2e-7 * (k + 2) * bound[i]) + 1e-30;
                                if (!(Math.Abs(c[i] - expected[i]) <= tol))
                                {
                                    Assert.Fail($"path={path} m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} threads={threads}: " +
                                        $"C[{i / n},{i % n}] = {c[i]:G9}, expected {expected[i]:G9} (tolerance {tol:G3}).");
                                }
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(257, 131, 300)]
    [InlineData(1100, 20, 100)]
    [InlineData(48, 2000, 60)]
    public void RepeatsAreBitIdenticalAndIndependentOfThreadCount(int m, int n, int k)
    {
        int saved = Threading.ThreadCount;
        try
        {
            var rng = new Random(12345);
            float[] a = Random(rng, m * k);
            float[] b = Random(rng, k * n);
            foreach (bool transB in new[] { false, true })
            {
                Threading.ThreadCount = 2;
                float[] first = new float[m * n];
                Gemm.Multiply(a, false, b, transB, first, m, n, k, accumulate: false);
                for (int rep = 0; rep < 3; rep++)
                {
                    float[] again = new float[m * n];
                    Gemm.Multiply(a, false, b, transB, again, m, n, k, accumulate: false);
                    Assert.Equal(first, again);
                }

                // Every element is summed in the same order however the work is split (a property of this
                // kernel, stronger than the engine's per-thread-count determinism contract).
                Threading.ThreadCount = 1;
                float[] single = new float[m * n];
                Gemm.Multiply(a, false, b, transB, single, m, n, k, accumulate: false);
                Assert.Equal(first, single);
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void ZeroInnerDimensionClearsOrKeeps()
    {
        float[] c = [1, 2, 3, 4];
        Gemm.Multiply([], false, [], false, c, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.Multiply([], false, [], false, c, 2, 2, 0, accumulate: false);
        Assert.Equal([0f, 0, 0, 0], c);
    }

    [Fact]
    public void LargerBuffersAreUsedOnlyUpToTheirSize()
    {
        // C has trailing elements past m*n that must stay untouched.
        float[] a = [1, 2, 3, 4, 5, 6];
        float[] b = [1, 0, 0, 1, 1, 1];
        float[] c = [9, 9, 9, 9, 9, 9, 9];
        Gemm.Multiply(a, false, b, false, c, 2, 2, 3, accumulate: false);
        Assert.Equal([4f, 5, 10, 11, 9, 9, 9], c);
    }

    /// <summary>
    /// B read in place with a row stride of 512 floats has its strips copied first (six row tiles, 100 rows deep); with
    /// 513 they are read where they are. Both give the same bits (the same values in the same order), equal to the
    /// reference.
    /// </summary>
    [Fact]
    public unsafe void CopiedStripsGiveTheBitsOfStripsReadInPlace()
    {
        const int M = 32, N = 512, K = 100, Wide = 513;
        int tiles = (M + GemmMicroKernel.MR - 1) / GemmMicroKernel.MR;
        Assert.True(GemmBlocked.CopiesStrips(N, K, tiles));
        Assert.False(GemmBlocked.CopiesStrips(Wide, K, tiles));
        Assert.False(GemmBlocked.CopiesStrips(N, 64, tiles));
        Assert.False(GemmBlocked.CopiesStrips(N, K, 3));

        var rng = new Random(5);
        float[] a = Random(rng, M * K), b = Random(rng, K * N), bWide = new float[K * Wide];
        for (int p = 0; p < K; p++)
        {
            Array.Copy(b, p * N, bWide, p * Wide, N);
        }

        float[] copied = new float[M * N], inPlace = new float[M * N];
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pw = bWide)
        fixed (float* pc = copied)
        fixed (float* pi = inPlace)
        {
            GemmBlocked.Run(pa, false, K, pb, false, N, pc, N, M, N, K, accumulate: false);
            GemmBlocked.Run(pa, false, K, pw, false, Wide, pi, N, M, N, K, accumulate: false);
        }

        Assert.Equal(inPlace, copied);
        var (value, bound) = Reference(a, false, b, false, new float[M * N], M, N, K, accumulate: false);
        for (int i = 0; i < M * N; i++)
        {
            Assert.True(Math.Abs(copied[i] - value[i]) <= (1e-6 * bound[i]) + 1e-7, $"element {i}: {copied[i]} vs {value[i]}");
        }
    }

    [Fact]
    public void TooSmallBuffersThrow()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], false, new float[6], false, new float[4], 2, 2, 3, false));
        Assert.Contains("Gemm", ex.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], false, new float[6], false, new float[4], -2, 2, 3, false));
    }

    internal static float[] Random(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return x;
    }

    /// <summary>C = [C0 +] op(A)·op(B) in float64, and Σ|terms| per element (the rounding-error scale).</summary>
    internal static (double[] Value, double[] Bound) Reference(
        float[] a, bool transA, float[] b, bool transB, float[] c0, int m, int n, int k, bool accumulate)
    {
        var value = new double[m * n];
        var bound = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c0[(i * n) + j] : 0;
                double t = Math.Abs(s);
                for (int p = 0; p < k; p++)
                {
                    double prod = (double)(transA ? a[(p * m) + i] : a[(i * k) + p]) * (transB ? b[(j * k) + p] : b[(p * n) + j]);
                    s += prod;
                    t += Math.Abs(prod);
                }

                value[(i * n) + j] = s;
                bound[(i * n) + j] = t;
            }
        }

        return (value, bound);
    }
}
