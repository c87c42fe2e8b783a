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
    public static Tensor Dropout(Tensor a, float p, Rng rng, bool training) => Dropout(a, p, rng, training, default);

    /// <summary>
    /// Inverted dropout of <paramref name="a"/>, whose first axis holds the rows <paramref name="rows"/> of a batch
    /// (data parallelism): the mask is drawn for the whole batch, exactly as <see cref="Dropout(Tensor, float, Rng, bool)"/>
    /// draws it for a tensor of every row, and the share's rows of it are used — so the shares of a batch together
    /// get the masks of one process with the whole batch, and <paramref name="rng"/> advances as there. The default
    /// <paramref name="rows"/> is the whole batch (the same as the overload without it).
    /// </summary>
    public static Tensor Dropout(Tensor a, float p, Rng rng, bool training, RowShare rows)
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
        if (rows.IsWhole)
        {
            FillMask(mask.Span, p, rng);
        }
        else
        {
            rows.Check(a.Rank == 0 ? 1 : a.Shape[0], "Dropout");
            int width = rows.Count == 0 ? 0 : a.Length / rows.Count;
            var whole = Tensor.Scratch(new Shape((int)checked((long)rows.Total * width)));
            FillMask(whole.Span, p, rng);
            rows.Take(whole.Span, mask.Span, width);
        }

        var y = Tensor.Scratch(a.Shape);
        TensorPrimitives.Multiply(a.Span, mask.Span, y.Span);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new DropoutNode(a, mask)) : y;
    }

    /// <summary>The scaled keep mask: 0 with probability <paramref name="p"/>, else 1/(1−p); one 64-bit draw per two elements.</summary>
    private static void FillMask(Span<float> m, float p, Rng rng)
    {
        double threshold = p * 4294967296.0;
        if (threshold >= uint.MaxValue)
        {
            m.Clear();
            return;
        }

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
