using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Σ a² over all elements (shape []). ∂ = 2 a g.</summary>
    public static Tensor SumOfSquares(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = FixedOrder.SumOfSquares(a.Span);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new NormNode(a, frobenius: false)) : y;
    }

    /// <summary>Frobenius norm √(Σ a²) (shape []); ∂ = g a / ‖a‖, and 0 at a = 0 (as a subgradient).</summary>
    public static Tensor FrobeniusNorm(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = MathF.Sqrt(FixedOrder.SumOfSquares(a.Span));
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new NormNode(a, frobenius: true)) : y;
    }

    private sealed class NormNode : Node
    {
        private readonly bool _frobenius;

        public NormNode(Tensor x, bool frobenius)
            : base(x)
        {
            _frobenius = frobenius;
        }

        public override string Name => _frobenius ? "FrobeniusNorm" : "SumOfSquares";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            float factor;
            if (_frobenius)
            {
                float norm = output.Span[0];
                if (norm == 0f)
                {
                    return;
                }

                factor = gradOutput[0] / norm;
            }
            else
            {
                factor = 2f * gradOutput[0];
            }

            TensorPrimitives.MultiplyAdd(Inputs[0].Span, factor, gx, gx);
        }
    }
}
