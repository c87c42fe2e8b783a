using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// <see cref="Gemm.MultiplyPairTransposedA"/> (the LSTM's two weight gradients dGᵀ·H and dGᵀ·X with dG packed once,
/// and dG's column sums read while it is packed): against a float64 reference, and bit for bit against two
/// <see cref="Gemm.Multiply"/> calls and <see cref="Gemm.ColumnSums"/>, at both kernel widths, 1 and 2 threads,
/// overwriting and accumulating. The shapes cover the shared path (LSTM weight gradients of the tagger, several k
/// blocks, ragged 6- and 12-row panels, B read in place for few rows) and the fallbacks (skinny, small, parallel
/// products, k = 0).
/// </summary>
[Collection("Threading")]
public sealed class GemmPairTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 400, 100, 264, 476 },
        { 400, 100, 50, 600 },
        { 148, 40, 70, 257 },
        { 40, 100, 80, 100 },
        { 20, 100, 160, 200 },
        { 30, 100, 37, 90 },
        { 145, 17, 40, 300 },
        { 10, 10, 10, 10 },
        { 3, 5, 7, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReferenceAndSeparateProductsBitForBit(int m, int n1, int n2, int k)
    {
        int saved = Threading.ThreadCount;
        try
        {
            var rng = new Random((m * 131) + (n1 * 31) + (n2 * 7) + k);
            float[] a = GemmTests.Random(rng, m * k);
            float[] b1 = GemmTests.Random(rng, k * n1);
            float[] b2 = GemmTests.Random(rng, k * n2);
            float[] c1Start = GemmTests.Random(rng, m * n1);
            float[] c2Start = GemmTests.Random(rng, m * n2);
            foreach (bool accumulate in new[] { false, true })
            {
                (double[] e1, double[] bound1) = GemmTests.Reference(a, true, b1, false, c1Start, m, n1, k, accumulate);
                (double[] e2, double[] bound2) = GemmTests.Reference(a, true, b2, false, c2Start, m, n2, k, accumulate);
                foreach (int threads in new[] { 1, 2 })
                {
                    foreach (bool wide in new[] { false, true })
                    {
                        Threading.ThreadCount = threads;
                        string what = $"m={m} n1={n1} n2={n2} k={k} accumulate={accumulate} threads={threads} wide={wide}";
                        float[] c1 = (float[])c1Start.Clone(), c2 = (float[])c2Start.Clone();
                        float[] sums = Enumerable.Repeat(float.NaN, m).ToArray();
                        float[] s1 = (float[])c1Start.Clone(), s2 = (float[])c2Start.Clone();
                        float[] sepSums = new float[m];
                        using (KernelOverrides.Force(new KernelPathOverride { Wide = wide }))
                        {
                            Gemm.MultiplyPairTransposedA(a, b1, c1, n1, b2, c2, n2, m, k, accumulate, sums);
                            Gemm.Multiply(a, true, b1, false, s1, m, n1, k, accumulate);
                            Gemm.Multiply(a, true, b2, false, s2, m, n2, k, accumulate);
                        }

                        for (int i = 0; i < m; i++)
                        {
                            float rowByRow = 0f;
                            for (int p = 0; p < k; p++)
                            {
                                rowByRow += a[(p * m) + i];
                            }

                            sepSums[i] = rowByRow;
                        }

                        AssertClose(c1, e1, bound1, k, $"C1 {what}", n1);
                        AssertClose(c2, e2, bound2, k, $"C2 {what}", n2);
                        AssertSameBits(s1, c1, $"C1 {what}");
                        AssertSameBits(s2, c2, $"C2 {what}");
                        AssertSameBits(sepSums, sums, $"column sums {what}");
                    }
                }
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Fact]
    public void WithoutColumnSumsGivesTheSameProducts()
    {
        var rng = new Random(5);
        int m = 150, n1 = 40, n2 = 90, k = 300;
        float[] a = GemmTests.Random(rng, m * k), b1 = GemmTests.Random(rng, k * n1), b2 = GemmTests.Random(rng, k * n2);
        float[] c1 = new float[m * n1], c2 = new float[m * n2], d1 = new float[m * n1], d2 = new float[m * n2];
        Gemm.MultiplyPairTransposedA(a, b1, c1, n1, b2, c2, n2, m, k, accumulate: false, []);
        Gemm.MultiplyPairTransposedA(a, b1, d1, n1, b2, d2, n2, m, k, accumulate: false, new float[m]);
        AssertSameBits(d1, c1, "C1");
        AssertSameBits(d2, c2, "C2");
        Assert.Contains(c1, x => x != 0f);
    }

    [Fact]
    public void TooSmallBuffersAreRejected()
    {
        float[] a = new float[12], b = new float[12], c = new float[16];
        var ex = Assert.Throws<ArgumentException>(() => Gemm.MultiplyPairTransposedA(a, b, c, 4, b, c, 4, 4, 3, false, new float[3]));
        Assert.Contains("column sums 3", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyPairTransposedA(a, b, c, 5, b, c, 4, 4, 3, false, []));
    }

    private static void AssertClose(float[] actual, double[] expected, double[] bound, int k, string what, int n)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = (1.2e-7 * (k + 2) * bound[i]) + 1e-30;
            if (!(Math.Abs(actual[i] - expected[i]) <= tol))
            {
                Assert.Fail($"{what}: [{i / n},{i % n}] = {actual[i]:G9}, expected {expected[i]:G9} (tolerance {tol:G3}).");
            }
        }
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:G9}, separately {expected[i]:G9}.");
            }
        }
    }
}
