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

    /// <summary>
    /// softplus a = log(1 + e^a), computed as max(a, 0) + log(1 + e^−|a|) so it is finite for any a; ∂ = g · σ(a),
    /// which is 1/2 at a = 0 (composing the stable form from <see cref="Relu"/> and <see cref="Abs"/> would give 0
    /// there, their subgradient, and a parameter starting at 0 would never move).
    /// </summary>
    public static Tensor Softplus(Tensor a) => Unary(
        "Softplus",
        a,
        0f,
        static (x, _, _, d, _) =>
        {
            for (int i = 0; i < d.Length; i++)
            {
                float v = x[i];
                d[i] = MathF.Max(v, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(v)));
            }
        },
        static (x, _, g, d, _) =>
        {
            for (int i = 0; i < d.Length; i++)
            {
                d[i] += g[i] / (1f + MathF.Exp(-x[i]));
            }
        });
}
