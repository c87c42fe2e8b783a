namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Σ a² over all elements (shape []).</summary>
    public static Tensor SumOfSquares(Tensor a) => throw new NotImplementedException();

    /// <summary>Frobenius norm √(Σ a²) (shape []); gradient 0 at a = 0.</summary>
    public static Tensor FrobeniusNorm(Tensor a) => throw new NotImplementedException();
}
