using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// Picks a character BiLSTM's final states per word as one differentiable gather: for y [N, L, 2H] (forward half,
/// then reverse half) and lengths [N], out[n] = [y[n, len−1, 0:H]; y[n, 0, H:2H]] (the forward LSTM's last state and
/// the reverse LSTM's state after reading back to the first character), zeros for length 0. [N, 2H]. With
/// <c>positions</c>, row n is written to output row positions[n] of an [outputRows, 2H] result whose other rows are
/// zero (scattering the real tokens' features back into a padded [B·T] layout).
/// </summary>
public static class CharFinalStates
{
    /// <summary>
    /// y [N, L, 2H], <paramref name="lengths"/> [N] in [0, L] → [N, 2H], or [outputRows, 2H] with row n at
    /// <paramref name="positions"/>[n] (distinct, in [0, outputRows)).
    /// </summary>
    public static Tensor Gather(Tensor y, int[] lengths, int[]? positions = null, int outputRows = 0)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(lengths);
        ShapeMismatchException.Require(y.Rank == 3 && y.Shape[2] % 2 == 0 && y.Shape[0] == lengths.Length, "CharFinalStates", $"y [N, L, 2H] with N = {lengths.Length}", y.Shape);
        int n = y.Shape[0], l = y.Shape[1], d = y.Shape[2], h = d / 2;
        int rows = positions is null ? n : outputRows;
        if (positions is not null && positions.Length != n)
        {
            throw new ArgumentException($"CharFinalStates: {positions.Length} positions for {n} words.", nameof(positions));
        }

        var o = positions is null ? Tensor.Scratch(new Shape(n, d)) : Tensor.ScratchZeros(new Shape(rows, d));
        Span<float> os = o.Span;
        ReadOnlySpan<float> ys = y.Span;
        for (int i = 0; i < n; i++)
        {
            int len = lengths[i];
            if ((uint)len > (uint)l)
            {
                throw new ArgumentException($"CharFinalStates: length {len} of word {i} is outside [0, {l}].", nameof(lengths));
            }

            int at = positions is null ? i : positions[i];
            if ((uint)at >= (uint)rows)
            {
                throw new ArgumentException($"CharFinalStates: position {at} of word {i} is outside [0, {rows}).", nameof(positions));
            }

            Span<float> dst = os.Slice(at * d, d);
            if (len == 0)
            {
                dst.Clear();
                continue;
            }

            ys.Slice((((i * l) + len - 1) * d), h).CopyTo(dst[..h]);
            ys.Slice((i * l * d) + h, h).CopyTo(dst[h..]);
        }

        return Autograd.ShouldRecord(y) ? o.WithGradFn(new FinalNode(y, lengths, positions)) : o;
    }

    private sealed class FinalNode(Tensor y, int[] lengths, int[]? positions) : Node(y)
    {
        public override string Name => "CharFinalStates";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gy = ctx.GradFor(Inputs[0]);
            if (gy.IsEmpty)
            {
                return;
            }

            int l = Inputs[0].Shape[1], d = Inputs[0].Shape[2], h = d / 2;
            for (int i = 0; i < lengths.Length; i++)
            {
                int len = lengths[i];
                if (len == 0)
                {
                    continue;
                }

                int at = positions is null ? i : positions[i];
                System.Numerics.Tensors.TensorPrimitives.Add(gy.Slice(((i * l) + len - 1) * d, h), gradOutput.Slice(at * d, h), gy.Slice(((i * l) + len - 1) * d, h));
                System.Numerics.Tensors.TensorPrimitives.Add(gy.Slice((i * l * d) + h, h), gradOutput.Slice((at * d) + h, h), gy.Slice((i * l * d) + h, h));
            }
        }
    }
}
