using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;
using K = MtlSharp.Tensors.Kernels.PointwiseKernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>e^a (backward through the saved output: ∂ = g · y).</summary>
    public static Tensor Exp(Tensor a) => Unary(
        "Exp",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Exp(x, d),
        static (_, y, g, d, _) => TensorPrimitives.FusedMultiplyAdd(g, y, d, d));

    /// <summary>ln a (∂ = g / a).</summary>
    public static Tensor Log(Tensor a) => Unary(
        "Log",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Log(x, d),
        static (x, _, g, d, _) => K.AddScaledDiv(g, x, 1f, d));

    /// <summary>√a (∂ = g / (2 √a), through the saved output).</summary>
    public static Tensor Sqrt(Tensor a) => Unary(
        "Sqrt",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Sqrt(x, d),
        static (_, y, g, d, _) => K.AddScaledDiv(g, y, 0.5f, d));

    /// <summary>a² (∂ = 2 a g).</summary>
    public static Tensor Square(Tensor a) => Unary(
        "Square",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Multiply(x, x, d),
        static (x, _, g, d, _) => K.AddScaledMul(g, x, 2f, d));

    /// <summary>|a| (subgradient 0 at 0).</summary>
    public static Tensor Abs(Tensor a) => Unary(
        "Abs",
        a,
        0f,
        static (x, _, _, d, _) => TensorPrimitives.Abs(x, d),
        static (x, _, g, d, _) => K.AddSignMul(g, x, d));

    /// <summary>
    /// The shared driver of the single-input pointwise ops: computes <paramref name="forward"/>(x) into a fresh
    /// output and, when recording, attaches a node whose backward runs <paramref name="backward"/>(x, y, g, gx, p)
    /// (which must add into gx). Both kernels are split across threads for large tensors.
    /// </summary>
    private static Tensor Unary(string name, Tensor a, float p, K.SpanKernel forward, K.SpanKernel backward)
    {
        ArgumentNullException.ThrowIfNull(a);
        var y = Tensor.Scratch(a.Shape);
        K.Run(forward, a.Span, default, default, y.Span, p);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new UnaryNode(a, name, p, backward)) : y;
    }

    /// <summary>Backward of a pointwise op: gx += backward(x, y, g).</summary>
    private sealed class UnaryNode : Node
    {
        private readonly string _name;
        private readonly float _p;
        private readonly PointwiseKernels.SpanKernel _backward;

        public UnaryNode(Tensor x, string name, float p, PointwiseKernels.SpanKernel backward)
            : base(x)
        {
            _name = name;
            _p = p;
            _backward = backward;
        }

        public override string Name => _name;

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            K.Run(_backward, Inputs[0].Span, output.Span, gradOutput, gx, _p);
        }
    }
}
