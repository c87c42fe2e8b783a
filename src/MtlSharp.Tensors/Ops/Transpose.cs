namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Swaps two axes (copies into a new contiguous tensor).</summary>
    public static Tensor Transpose(Tensor a, int axis0, int axis1) => throw new NotImplementedException();

    /// <summary>Reorders axes: output axis i is input axis <c>axes[i]</c>.</summary>
    public static Tensor Permute(Tensor a, params int[] axes) => throw new NotImplementedException();
}
