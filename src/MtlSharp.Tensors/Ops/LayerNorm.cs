namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Layer normalisation over the last axis: (x − mean)/√(var + eps) · gamma + beta (biased variance, as
    /// PyTorch); gamma and beta [D] or null.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float eps = 1e-5f) => throw new NotImplementedException();
}
