using System.Numerics.Tensors;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Standard Gumbel samples g = −log(−log(u + 1e-20) + 1e-20), u ~ U(0,1) from <paramref name="rng"/>
    /// (a constant: no gradient). The 1e-20 guards follow the Gumbel-Matrix reference code; E[g] is the
    /// Euler–Mascheroni constant ≈ 0.5772.
    /// </summary>
    public static Tensor GumbelNoise(Shape shape, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var y = Tensor.Scratch(shape);
        Span<float> s = y.Span;
        rng.FillUniform(s, 0f, 1f);
        TensorPrimitives.Add(s, 1e-20f, s);
        TensorPrimitives.Log(s, s);
        TensorPrimitives.Negate(s, s);
        TensorPrimitives.Add(s, 1e-20f, s);
        TensorPrimitives.Log(s, s);
        TensorPrimitives.Negate(s, s);
        return y;
    }
}
