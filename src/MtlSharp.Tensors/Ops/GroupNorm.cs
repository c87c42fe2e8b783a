namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Group normalisation (Wu &amp; He 2018) of x [N, C, *] with <paramref name="groups"/> groups of C/groups
    /// channels; gamma and beta [C] or null. Matches <c>torch.nn.functional.group_norm</c>.
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? gamma, Tensor? beta, float eps = 1e-5f) => throw new NotImplementedException();
}
