using MtlSharp.Tensors;

namespace MtlSharp.Testing;

/// <summary>Element-wise comparisons with absolute + relative tolerance and informative failures.</summary>
internal static class TensorAssert
{
    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol = 1e-5, double rtol = 1e-5, string what = "")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = atol + (rtol * Math.Abs(expected[i]));
            Assert.True(
                Math.Abs(actual[i] - expected[i]) <= tol || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"{what}: element {i} is {actual[i]:G9}, expected {expected[i]:G9} (tolerance {tol:G3}).");
        }
    }

    /// <summary>Asserts shape and values.</summary>
    public static void Close(Tensor expected, Tensor actual, double atol = 1e-5, double rtol = 1e-5, string what = "")
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Close(expected.Span, actual.Span, atol, rtol, what);
    }
}
