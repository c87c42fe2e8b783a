namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Matrix product. [m,k]·[k,n] → [m,n]; batched [B,m,k]·[B,k,n] → [B,m,n]; [B,m,k]·[k,n] → [B,m,n] (the
    /// matrix is shared across the batch). <paramref name="transA"/>/<paramref name="transB"/> use the operand's
    /// last two axes transposed.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false) => throw new NotImplementedException();

    /// <summary>
    /// Affine map x·Wᵀ + b (PyTorch's <c>F.linear</c>): x [..., in], weight [out, in], bias [out] or null →
    /// [..., out].
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => throw new NotImplementedException();
}
