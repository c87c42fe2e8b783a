namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must agree.</summary>
    public static Tensor Concat(ReadOnlySpan<Tensor> parts, int axis) => throw new NotImplementedException();

    /// <summary>Stacks equal-shaped tensors along a new axis.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> parts, int axis = 0) => throw new NotImplementedException();

    /// <summary>Splits along <paramref name="axis"/> into pieces of the given sizes (which must sum to that dimension).</summary>
    public static Tensor[] Split(Tensor a, ReadOnlySpan<int> sizes, int axis) => throw new NotImplementedException();

    /// <summary>Elements [start, start + length) along <paramref name="axis"/>.</summary>
    public static Tensor Slice(Tensor a, int axis, int start, int length) => throw new NotImplementedException();
}
