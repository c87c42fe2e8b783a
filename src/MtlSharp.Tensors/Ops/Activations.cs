using System.Numerics.Tensors;
using K = MtlSharp.Tensors.Kernels.PointwiseKernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>max(a, 0) (gradient 0 at 0; backward through the saved output).</summary>
    public static Tensor Relu(Tensor a) => Unary(
        "Relu",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Max(x, 0f, d),
        static (_, y, g, d, _) => K.AddWherePositive(g, y, d));

    /// <summary>tanh a (∂ = g · (1 − y²), through the saved output).</summary>
    public static Tensor Tanh(Tensor a) => Unary(
        "Tanh",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Tanh(x, d),
        static (_, y, g, d, _) => K.AddTanhGrad(g, y, d));

    /// <summary>1 / (1 + e^−a) (∂ = g · y · (1 − y), through the saved output).</summary>
    public static Tensor Sigmoid(Tensor a) => Unary(
        "Sigmoid",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Sigmoid(x, d),
        static (_, y, g, d, _) => K.AddSigmoidGrad(g, y, d));
}
