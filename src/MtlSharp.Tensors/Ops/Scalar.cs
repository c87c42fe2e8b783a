using System.Numerics.Tensors;
using K = MtlSharp.Tensors.Kernels.PointwiseKernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>a + s.</summary>
    public static Tensor AddScalar(Tensor a, float s) => Unary(
        "AddScalar",
        a,
        s,
        static (x, _, _, d, p) => TensorPrimitives.Add(x, p, d),
        static (_, _, g, d, _) => TensorPrimitives.Add(d, g, d));

    /// <summary>a · s.</summary>
    public static Tensor Scale(Tensor a, float s) => Unary(
        "Scale",
        a,
        s,
        static (x, _, _, d, p) => TensorPrimitives.Multiply(x, p, d),
        static (_, _, g, d, p) => TensorPrimitives.MultiplyAdd(g, p, d, d));

    /// <summary>−a.</summary>
    public static Tensor Neg(Tensor a) => Unary(
        "Neg",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Negate(x, d),
        static (_, _, g, d, _) => TensorPrimitives.Subtract(d, g, d));

    /// <summary>
    /// a^p elementwise (a &gt; 0 where p is not an integer; like <c>torch.pow</c>, a negative base with a
    /// non-integer exponent gives NaN). ∂ = p · a^(p−1) · g.
    /// </summary>
    public static Tensor Pow(Tensor a, float p)
    {
        if (p == 2f)
        {
            return Unary(
                "Pow",
                a,
                p,
                static (x, _, _, d, _) => TensorPrimitives.Multiply(x, x, d),
                static (x, _, g, d, _) => K.AddScaledMul(g, x, 2f, d));
        }

        if (p == 1f)
        {
            return Unary(
                "Pow",
                a,
                p,
                static (x, _, _, d, _) => x.CopyTo(d),
                static (_, _, g, d, _) => TensorPrimitives.Add(d, g, d));
        }

        return Unary(
            "Pow",
            a,
            p,
            static (x, _, _, d, q) => TensorPrimitives.Pow(x, q, d),
            static (x, _, g, d, q) => PowBackward(x, g, d, q));
    }

    /// <summary>d += q · x^(q−1) · g, in blocks through a stack temporary.</summary>
    private static void PowBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> d, float q)
    {
        Span<float> t = stackalloc float[256];
        for (int s = 0; s < d.Length; s += t.Length)
        {
            int len = Math.Min(t.Length, d.Length - s);
            Span<float> tt = t[..len];
            TensorPrimitives.Pow(x.Slice(s, len), q - 1f, tt);
            K.AddScaledMul(g.Slice(s, len), tt, q, d.Slice(s, len));
        }
    }
}
