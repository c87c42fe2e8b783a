using MtlSharp.Tensors;

namespace MtlSharp.Tensors.Tests;

/// <summary>Small helpers shared by the pointwise op tests.</summary>
internal static class PointwiseTestData
{
    /// <summary>Uniform values in [lo, hi), optionally requiring gradient.</summary>
    public static Tensor Rand(ulong seed, float lo, float hi, int[] dims, bool grad = true)
    {
        var t = Tensor.Uniform(new Shape(dims), lo, hi, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    /// <summary>Uniform magnitudes in [lo, hi) with random signs (keeps away from 0).</summary>
    public static Tensor RandAwayFromZero(ulong seed, float lo, float hi, int[] dims, bool grad = true)
    {
        var rng = new Rng(seed);
        var t = Tensor.Zeros(new Shape(dims));
        Span<float> s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            float m = lo + ((hi - lo) * rng.NextFloat());
            s[i] = rng.NextFloat() < 0.5f ? -m : m;
        }

        t.RequiresGrad = grad;
        return t;
    }

    public static Tensor Param(float[] values, params int[] dims)
    {
        var t = Tensor.FromArray(values, dims);
        t.RequiresGrad = true;
        return t;
    }
}
