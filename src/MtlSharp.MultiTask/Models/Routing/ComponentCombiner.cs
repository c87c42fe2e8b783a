using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Combines a routed layer's stacked component outputs with an allocation row, as one fused differentiable op:
/// out = Σ_c w_c · y[:, c, :], with w = z / max(Σz, 1) (<see cref="CombineMode.Mean"/>) or w = z
/// (<see cref="CombineMode.Sum"/>). Gradient flows to y and to z, through the numerator and (for the mean, when
/// Σz ≥ 1, as <c>clamp(min=1)</c>/<c>tf.maximum</c> do) the denominator.
/// </summary>
public static class ComponentCombiner
{
    /// <summary>
    /// <paramref name="stacked"/> [outer, C, inner] (component axis 1), <paramref name="z"/> [C] →
    /// [outer, inner].
    /// </summary>
    public static Tensor Combine(Tensor stacked, Tensor z, CombineMode mode)
    {
        ArgumentNullException.ThrowIfNull(stacked);
        ArgumentNullException.ThrowIfNull(z);
        ShapeMismatchException.Require(
            stacked.Rank == 3 && z.Rank == 1 && stacked.Shape[1] == z.Shape[0],
            "Combine", "stacked outputs [outer, C, inner] and allocation [C]", stacked.Shape, z.Shape);
        int outer = stacked.Shape[0], comps = stacked.Shape[1], inner = stacked.Shape[2];
        ReadOnlySpan<float> zs = z.Span;
        float sum = FixedOrder.Sum(zs);
        float denom = mode == CombineMode.Mean ? MathF.Max(sum, 1f) : 1f;

        var y = Tensor.Scratch(new Shape(outer, inner));
        Span<float> ys = y.Span;
        ReadOnlySpan<float> x = stacked.Span;
        for (int o = 0; o < outer; o++)
        {
            Span<float> dst = ys.Slice(o * inner, inner);
            dst.Clear();
            for (int c = 0; c < comps; c++)
            {
                float w = zs[c] / denom;
                if (w != 0f)
                {
                    TensorPrimitives.MultiplyAdd(x.Slice(((o * comps) + c) * inner, inner), w, dst, dst);
                }
            }
        }

        return Autograd.ShouldRecord(stacked, z) ? y.WithGradFn(new CombineNode(stacked, z, mode, sum, denom)) : y;
    }

    private sealed class CombineNode : Node
    {
        private readonly CombineMode _mode;
        private readonly float _sum;
        private readonly float _denom;

        public CombineNode(Tensor stacked, Tensor z, CombineMode mode, float sum, float denom)
            : base(stacked, z)
        {
            _mode = mode;
            _sum = sum;
            _denom = denom;
        }

        public override string Name => "Combine";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor stacked = Inputs[0], z = Inputs[1];
            int outer = stacked.Shape[0], comps = stacked.Shape[1], inner = stacked.Shape[2];
            ReadOnlySpan<float> x = stacked.Span, zs = z.Span;
            Span<float> gx = ctx.GradFor(stacked);
            Span<float> gz = ctx.GradFor(z);
            if (!gx.IsEmpty)
            {
                for (int o = 0; o < outer; o++)
                {
                    ReadOnlySpan<float> go = gradOutput.Slice(o * inner, inner);
                    for (int c = 0; c < comps; c++)
                    {
                        float w = zs[c] / _denom;
                        if (w != 0f)
                        {
                            Span<float> dst = gx.Slice(((o * comps) + c) * inner, inner);
                            TensorPrimitives.MultiplyAdd(go, w, dst, dst);
                        }
                    }
                }
            }

            if (!gz.IsEmpty)
            {
                // dL/dz_c = <g, y_c>/D − [mean, Σz ≥ 1] · <g, out>/D, where out = Σ_j z_j y_j / D.
                Span<double> dots = stackalloc double[comps];
                for (int o = 0; o < outer; o++)
                {
                    ReadOnlySpan<float> go = gradOutput.Slice(o * inner, inner);
                    for (int c = 0; c < comps; c++)
                    {
                        dots[c] += FixedOrder.Dot(go, x.Slice(((o * comps) + c) * inner, inner));
                    }
                }

                double through = 0;
                if (_mode == CombineMode.Mean && _sum >= 1f)
                {
                    double gOut = FixedOrder.Dot(gradOutput, output.Span);
                    through = gOut / _denom;
                }

                for (int c = 0; c < comps; c++)
                {
                    gz[c] += (float)((dots[c] / _denom) - through);
                }
            }
        }
    }
}
