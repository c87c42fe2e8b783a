using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>
/// The β unit of sluice networks ("layer-stitch"): a learned mixture of a task's layer outputs,
/// h̃ = Σ_k β[row, k] · h_k, as one fused differentiable op (no softmax, as the official code).
/// </summary>
public static class LayerMixing
{
    /// <summary>
    /// <paramref name="layers"/>: K tensors of one shape (e.g. [B, T, D]); <paramref name="beta"/> [R, K];
    /// returns Σ_k beta[row, k] · layers[k] (same shape). Gradient flows to every layer and to β's row.
    /// </summary>
    public static Tensor Mix(ReadOnlySpan<Tensor> layers, Tensor beta, int row)
    {
        ArgumentNullException.ThrowIfNull(beta);
        int k = layers.Length;
        if (k == 0)
        {
            throw new ArgumentException("LayerMixing.Mix: at least one layer is needed.", nameof(layers));
        }

        ShapeMismatchException.Require(beta.Rank == 2 && beta.Shape[1] == k && (uint)row < (uint)beta.Shape[0], "LayerMixing", $"beta [R, {k}] with row < R", beta.Shape, layers[0].Shape);
        for (int i = 1; i < k; i++)
        {
            ShapeMismatchException.Require(layers[i].Shape == layers[0].Shape, "LayerMixing", "every layer must have the same shape", layers[0].Shape, layers[i].Shape);
        }

        var y = Tensor.Scratch(layers[0].Shape);
        Span<float> ys = y.Span;
        ReadOnlySpan<float> w = beta.Span.Slice(row * k, k);
        TensorPrimitives.Multiply(layers[0].Span, w[0], ys);
        for (int i = 1; i < k; i++)
        {
            TensorPrimitives.MultiplyAdd(layers[i].Span, w[i], ys, ys);
        }

        var inputs = new Tensor[k + 1];
        layers.CopyTo(inputs);
        inputs[k] = beta;
        return Autograd.ShouldRecord(inputs) ? y.WithGradFn(new LayerMixNode(inputs, row)) : y;
    }

    private sealed class LayerMixNode(Tensor[] inputs, int row) : Node(inputs)
    {
        public override string Name => "LayerMixing";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int k = Inputs.Length - 1;
            Tensor beta = Inputs[k];
            ReadOnlySpan<float> w = beta.Span.Slice(row * k, k);
            Span<float> gb = ctx.GradFor(beta);
            for (int i = 0; i < k; i++)
            {
                Span<float> gx = ctx.GradFor(Inputs[i]);
                if (!gx.IsEmpty)
                {
                    TensorPrimitives.MultiplyAdd(gradOutput, w[i], gx, gx);
                }

                if (!gb.IsEmpty)
                {
                    gb[(row * k) + i] += FixedOrder.Dot(gradOutput, Inputs[i].Span);
                }
            }
        }
    }
}
