using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// The two widths of the packed GEMM (<see cref="GemmWidth"/>): the 512-bit kernels run here whatever the host
/// (emulated where AVX-512 is not accelerated) against a float64 reference and bit for bit against the 256-bit
/// kernels; and a child process started with AVX-512 disabled (<c>DOTNET_EnableAVX512=0</c> on .NET 10,
/// <c>DOTNET_EnableAVX512F=0</c> before) runs the default path narrow on a host
/// where it is wide by default, and must give the same bits.
/// </summary>
[Collection("Threading")]
public sealed class GemmWidthTests
{
    /// <summary>Shapes on the blocked path: every row count of the 12-row tile, 16/32/ragged column strips, the KC
    /// block edge, the limits of reading B in place (wide: 24 rows, or 96 when a strip spans at most 256 KiB; narrow: 48), more rows than one MC block (480 rows with a 2 MiB L2), more columns than one NC block (2048 wide, 1024 or fewer narrow: 2100 and 4200 columns cross one and two wide block edges), and splits over 2 threads.</summary>
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 33, 5 },
        { 11, 16, 9 },
        { 12, 32, 256 },
        { 13, 47, 257 },
        { 24, 17, 40 },
        { 24, 70, 20 },
        { 25, 70, 20 },
        { 48, 49, 30 },
        { 30, 1000, 100 },
        { 60, 1100, 30 },
        { 49, 64, 20 },
        { 61, 100, 70 },
        { 96, 49, 30 },
        { 97, 49, 30 },
        { 72, 100, 300 },
        { 90, 300, 260 },
        { 531, 40, 30 },
        { 130, 260, 300 },
        { 13, 2100, 20 },
        { 7, 4200, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BothWidthsMatchReferenceAndEachOtherBitForBit(int m, int n, int k)
    {
        int saved = Threading.ThreadCount;
        try
        {
            var rng = new Random((m * 31) + (n * 17) + k);
            float[] a = GemmTests.Random(rng, m * k);
            float[] b = GemmTests.Random(rng, k * n);
            float[] c0 = GemmTests.Random(rng, m * n);
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        (double[] expected, double[] bound) = GemmTests.Reference(a, transA, b, transB, c0, m, n, k, accumulate);
                        foreach (int threads in new[] { 1, 2 })
                        {
                            Threading.ThreadCount = threads;
                            float[] wide = Run(a, transA, b, transB, c0, m, n, k, accumulate, wide: true);
                            float[] narrow = Run(a, transA, b, transB, c0, m, n, k, accumulate, wide: false);
                            string what = $"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} threads={threads}";
                            for (int i = 0; i < expected.Length; i++)
                            {
                                double tol = (1.2e-7 * (k + 2) * bound[i]) + 1e-30;
                                if (!(Math.Abs(wide[i] - expected[i]) <= tol))
                                {
                                    Assert.Fail($"512-bit {what}: C[{i / n},{i % n}] = {wide[i]:G9}, expected {expected[i]:G9} (tolerance {tol:G3}).");
                                }

                                if (BitConverter.SingleToInt32Bits(wide[i]) != BitConverter.SingleToInt32Bits(narrow[i]))
                                {
                                    Assert.Fail($"{what}: C[{i / n},{i % n}] is {wide[i]:G9} with 512 bits but {narrow[i]:G9} with 256.");
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

    /// <summary>The 512-bit micro-kernel alone on every tile shape it instantiates (rows 1..12, full, half, 8-wide and ragged
    /// column strips), overwriting and adding, with B read with a row stride wider than the tile.</summary>
    [Fact]
    public unsafe void MicroKernel512MatchesReferenceOnEveryTileShape()
    {
        var rng = new Random(5);
        const int kc = 9, rsB = 40, ldc = 35;
        float[] a = GemmTests.Random(rng, GemmMicroKernel512.MR * kc);
        float[] b = GemmTests.Random(rng, kc * rsB);
        float[] c0 = GemmTests.Random(rng, GemmMicroKernel512.MR * ldc);
        foreach (int cols in new[] { 1, 7, 8, 9, 16, 17, 31, 32 })
        {
            // Ragged strips read B zero-padded to 16 or 32 columns (the packing guarantees it).
            float[] bp = (float[])b.Clone();
            int padded = cols > 16 ? 32 : 16;
            for (int p = 0; p < kc; p++)
            {
                for (int j = cols; j < padded; j++)
                {
                    bp[(p * rsB) + j] = cols is 16 or 32 ? bp[(p * rsB) + j] : 0f;
                }
            }

            for (int rows = 1; rows <= GemmMicroKernel512.MR; rows++)
            {
                foreach (bool first in new[] { true, false })
                {
                    float[] c = (float[])c0.Clone();
                    fixed (float* pa = a, pb = bp, pc = c)
                    {
                        GemmMicroKernel512.Run(rows, cols, kc, pa, pb, rsB, pc, ldc, first);
                    }

                    for (int r = 0; r < GemmMicroKernel512.MR; r++)
                    {
                        for (int j = 0; j < ldc; j++)
                        {
                            double want = c0[(r * ldc) + j];
                            if (r < rows && j < cols)
                            {
                                double s = 0;
                                for (int p = 0; p < kc; p++)
                                {
                                    s += (double)a[(p * GemmMicroKernel512.MR) + r] * bp[(p * rsB) + j];
                                }

                                want = first ? s : want + s;
                            }

                            Assert.True(Math.Abs(c[(r * ldc) + j] - want) <= 1e-5, $"rows={rows} cols={cols} first={first}: C[{r},{j}] = {c[(r * ldc) + j]}, expected {want}.");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Runs this assembly as a program with AVX-512 disabled: the child must use the 256-bit kernels
    /// by default (the small-image convolution's in half passes) and give the same bits as the 512-bit kernels here.
    /// </summary>
    [Fact]
    public void NarrowPathInChildProcessGivesTheSameBits()
    {
        string stdout = NarrowChild.Run("gemm-digest");
        Assert.Contains("wide=False", stdout, StringComparison.Ordinal);
        int saved = Threading.ThreadCount;
        try
        {
            Assert.Contains($"digest={Digest(wide: true)}", stdout, StringComparison.Ordinal);

            // The small-image convolution: without AVX-512 its 256-bit kernels run in half passes (16 registers),
            // and give the 512-bit kernels' bits.
            Assert.Contains("conv-halves=True", stdout, StringComparison.Ordinal);
            Assert.Contains($"conv-digest={ConvSmallTests.Digest(wide: true)}", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    /// <summary>
    /// SHA-256 of the results of a fixed set of blocked products (both transposes of B, 1 and 2 threads, several KC
    /// blocks) computed with <see cref="Gemm.Multiply"/> at the given width (null: this process's default).
    /// </summary>
    internal static string Digest(bool? wide)
    {
        var rng = new Random(2024);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (m, n, k) in new[] { (200, 150, 600), (40, 300, 100), (97, 64, 257) })
        {
            float[] a = GemmTests.Random(rng, m * k);
            float[] b = GemmTests.Random(rng, k * n);
            foreach (bool transB in new[] { false, true })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Threading.ThreadCount = threads;
                    float[] c = new float[m * n];
                    using (KernelOverrides.Force(new KernelPathOverride { Wide = wide }))
                    {
                        Gemm.MultiplyOnPath(a, false, b, transB, c, m, n, k, accumulate: false, GemmPath.Blocked);
                    }

                    hash.AppendData(MemoryMarshal.AsBytes(c.AsSpan()));
                }
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static float[] Run(float[] a, bool transA, float[] b, bool transB, float[] c0, int m, int n, int k, bool accumulate, bool wide)
    {
        float[] c = (float[])c0.Clone();
        using (KernelOverrides.Force(new KernelPathOverride { Wide = wide }))
        {
            Gemm.MultiplyOnPath(a, transA, b, transB, c, m, n, k, accumulate, GemmPath.Blocked);
        }

        return c;
    }
}
