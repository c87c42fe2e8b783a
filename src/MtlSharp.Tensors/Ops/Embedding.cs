namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Rows of <paramref name="weight"/> [V, D] picked by <paramref name="ids"/>; the output has shape
    /// <paramref name="idsShape"/> + [D]. An id outside [0, V) throws. Gradient rows add up for repeated ids.
    /// </summary>
    public static Tensor Embedding(Tensor weight, ReadOnlySpan<int> ids, params int[] idsShape) => throw new NotImplementedException();
}
