namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>The same elements with another shape (a view; one dimension may be −1 and is inferred).</summary>
    public static Tensor Reshape(Tensor a, params int[] shape) => throw new NotImplementedException();

    /// <summary>Flattens axes [startAxis, end) into one.</summary>
    public static Tensor Flatten(Tensor a, int startAxis = 1) => throw new NotImplementedException();
}
