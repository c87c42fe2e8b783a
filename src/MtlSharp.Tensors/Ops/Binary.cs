using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

/// <summary>
/// The differentiable ops. One file per op family; each file holds the forward, its shape checks and its backward
/// node.
/// </summary>
/// <remarks>
/// <para><b>Broadcasting</b> (binary elementwise ops): the output has the shape of the larger operand. The smaller
/// operand, aligned to the right and padded with leading 1s, must equal the larger one on one contiguous block of
/// axes and be 1 elsewhere. That covers: a scalar (one element) against anything; a bias [C] against [..., C]; a
/// per-channel [C,1,1] or [1,C,1,1] against [N,C,H,W]; a column [N,1] against [N,M]. Anything else throws a
/// <see cref="ShapeMismatchException"/> naming both shapes.</para>
/// </remarks>
public static partial class Ops
{
    /// <summary>a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a − b with broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a ⊙ b with broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => throw new NotImplementedException();

    /// <summary>a / b with broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => throw new NotImplementedException();
}
