namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Standard Gumbel samples g = −log(−log(u + 1e-20) + 1e-20), u ~ U(0,1) from <paramref name="rng"/>
    /// (a constant: no gradient).
    /// </summary>
    public static Tensor GumbelNoise(Shape shape, Rng rng) => throw new NotImplementedException();
}
