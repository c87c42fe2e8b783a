namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Softmax along <paramref name="axis"/> (numerically stable).</summary>
    public static Tensor Softmax(Tensor a, int axis = -1) => throw new NotImplementedException();

    /// <summary>Log-softmax along <paramref name="axis"/> (numerically stable).</summary>
    public static Tensor LogSoftmax(Tensor a, int axis = -1) => throw new NotImplementedException();
}
