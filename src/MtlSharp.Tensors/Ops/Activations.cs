namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>max(a, 0) (gradient 0 at 0).</summary>
    public static Tensor Relu(Tensor a) => throw new NotImplementedException();

    /// <summary>tanh a.</summary>
    public static Tensor Tanh(Tensor a) => throw new NotImplementedException();

    /// <summary>1 / (1 + e^−a).</summary>
    public static Tensor Sigmoid(Tensor a) => throw new NotImplementedException();
}
