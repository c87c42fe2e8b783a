using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout (Srivastava et al., 2014; <c>torch.nn.functional.dropout</c>): in training, zeroes each
    /// element with probability <paramref name="p"/> (drawn from <paramref name="rng"/>) and scales the rest by
    /// 1/(1−p); returns <paramref name="a"/> itself when not training or when p = 0, and zeros when p = 1. The
    /// mask is kept in the node, so the backward multiplies by the very same mask.
    /// </summary>
    /// <remarks>Each 64-bit draw of <paramref name="rng"/> decides two elements (32 bits each).</remarks>
    public static Tensor Dropout(Tensor a, float p, Rng rng, bool training)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1], got {p}.");
        }

        if (!training || p == 0f)
        {
            return a;
        }

        ArgumentNullException.ThrowIfNull(rng);
        var mask = Tensor.Scratch(a.Shape);
        Span<float> m = mask.Span;
        double threshold = p * 4294967296.0;
        if (threshold >= uint.MaxValue)
        {
            m.Clear();
        }
        else
        {
            uint thr = (uint)threshold;
            float keep = 1f / (1f - p);
            int i = 0;
            for (; i + 1 < m.Length; i += 2)
            {
                ulong r = rng.NextUInt64();
                m[i] = (uint)r >= thr ? keep : 0f;
                m[i + 1] = (uint)(r >> 32) >= thr ? keep : 0f;
            }

            if (i < m.Length)
            {
                m[i] = (uint)rng.NextUInt64() >= thr ? keep : 0f;
            }
        }

        var y = Tensor.Scratch(a.Shape);
        TensorPrimitives.Multiply(a.Span, m, y.Span);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new DropoutNode(a, mask)) : y;
    }

    private sealed class DropoutNode : Node
    {
        public DropoutNode(Tensor x, Tensor mask)
            : base(x)
        {
            Mask = mask;
        }

        /// <summary>The scaled keep mask (0 or 1/(1−p) per element).</summary>
        public Tensor Mask { get; }

        public override string Name => "Dropout";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (!gx.IsEmpty)
            {
                TensorPrimitives.FusedMultiplyAdd(gradOutput, Mask.Span, gx, gx);
            }
        }
    }
}
