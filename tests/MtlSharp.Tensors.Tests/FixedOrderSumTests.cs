using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// <see cref="NormKernels.Sum"/>, the fixed-order sum of the convolutions' bias gradient: close to a float64 sum, and
/// exactly the order it documents (two 8-lane accumulators over 16-element steps, lanes added pairwise, the rest one
/// by one), which does not depend on the host's widest vector.
/// </summary>
public sealed class FixedOrderSumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(29)]
    [InlineData(729)]
    public void MatchesItsDocumentedOrderAndAFloat64Sum(int n)
    {
        var rng = new Random(n + 1);
        float[] x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((rng.NextDouble() * 2) - 1) * (1 << (i % 11));
        }

        float got = NormKernels.Sum(x);
        double exact = x.Sum(v => (double)v);
        Assert.InRange(Math.Abs(got - exact), 0, 1e-5 * Math.Max(1, x.Sum(v => Math.Abs((double)v))));

        // The documented order, written out in scalars.
        float expected = 0;
        int k = 0;
        if (n >= 16)
        {
            float[] a0 = new float[8], a1 = new float[8];
            for (; k <= n - 16; k += 16)
            {
                for (int l = 0; l < 8; l++)
                {
                    a0[l] += x[k + l];
                    a1[l] += x[k + 8 + l];
                }
            }

            float[] lanes = new float[8];
            for (int l = 0; l < 8; l++)
            {
                lanes[l] = a0[l] + a1[l];
            }

            expected = HorizontalSum(lanes);
        }

        for (; k < n; k++)
        {
            expected += x[k];
        }

        Assert.Equal(expected, got);
    }

    /// <summary>The last step of the kernel: Vector256.Sum of the eight lanes.</summary>
    private static float HorizontalSum(float[] v)
    {
        return System.Runtime.Intrinsics.Vector256.Sum(System.Runtime.Intrinsics.Vector256.Create(v));
    }
}
