namespace MtlSharp.Tensors.Tests;

/// <summary>
/// <see cref="FixedOrder"/>, the reductions every op uses so that AVX2 and AVX-512 hosts give the same bits: each
/// one follows exactly the order it documents (written out here in scalars), its 512-bit and 256-bit forms agree bit
/// for bit (the 512-bit one emulated where the host lacks AVX-512), and it stays close to a float64 sum.
/// </summary>
public sealed class FixedOrderTests
{
    public static TheoryData<int> Lengths => [0, 1, 15, 16, 17, 63, 64, 65, 100, 127, 729, 4099];

    private static float[] Data(int n, int seed)
    {
        var rng = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1) * (1 << (i % 11));
        }

        return x;
    }

    /// <summary>
    /// The documented order in scalars: 64 partials, then groups of 16 into the first 16, folded in halves, then the
    /// rest one by one.
    /// </summary>
    private static float Reference(float[] x, float[]? y)
    {
        int n = x.Length, blocks = n / 64 * 64, groups = n / 16 * 16;
        float Step(float acc, int i) => y is null ? acc + x[i] : MathF.FusedMultiplyAdd(x[i], y[i], acc);
        float s = 0;
        if (groups > 0)
        {
            float[] p = new float[64];
            for (int i = 0; i < blocks; i++)
            {
                p[i % 64] = Step(p[i % 64], i);
            }

            for (int i = blocks; i < groups; i++)
            {
                p[(i - blocks) % 16] = Step(p[(i - blocks) % 16], i);
            }

            for (int half = 32; half >= 1; half /= 2)
            {
                for (int j = 0; j < half; j++)
                {
                    p[j] += p[j + half];
                }
            }

            s = p[0];
        }

        for (int i = groups; i < n; i++)
        {
            s = Step(s, i);
        }

        return s;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SumFollowsItsDocumentedOrder(int n)
    {
        float[] x = Data(n, n + 1);
        float got = FixedOrder.Sum(x);
        Assert.Equal(Reference(x, null), got);
        double exact = x.Sum(v => (double)v);
        Assert.InRange(Math.Abs(got - exact), 0, 1e-5 * Math.Max(1, x.Sum(v => Math.Abs((double)v))));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void DotAndSumOfSquaresFollowTheDocumentedOrder(int n)
    {
        float[] x = Data(n, n + 2), y = Data(n, n + 3);
        float dot = FixedOrder.Dot(x, y);
        Assert.Equal(Reference(x, y), dot);
        Assert.Equal(Reference(x, x), FixedOrder.SumOfSquares(x));
        double exact = x.Zip(y, (a, b) => (double)a * b).Sum();
        Assert.InRange(Math.Abs(dot - exact), 0, 1e-5 * Math.Max(1, x.Zip(y, (a, b) => Math.Abs((double)a * b)).Sum()));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(112)]
    [InlineData(4099)]
    public void BothWidthsGiveTheSameBits(int n)
    {
        // The 512-bit forms run emulated where the host lacks AVX-512.
        float[] x = Data(n, 7), y = Data(n, 8);
        Assert.Equal(FixedOrder.Sum256(ref x[0], n), FixedOrder.Sum512(ref x[0], n));
        Assert.Equal(FixedOrder.Dot256(ref x[0], ref y[0], n), FixedOrder.Dot512(ref x[0], ref y[0], n));
    }

    [Fact]
    public void DotRejectsSpansOfDifferentLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => FixedOrder.Dot(new float[3], new float[4]));
        Assert.Contains("3 and 4", e.Message);
    }
}
