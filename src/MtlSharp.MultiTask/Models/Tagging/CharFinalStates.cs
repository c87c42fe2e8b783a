using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// Picks a character BiLSTM's final states per word as one differentiable gather: for y [N, L, 2H] (forward half,
/// then reverse half) and lengths [N], out[n] = [y[n, len−1, 0:H]; y[n, 0, H:2H]] (the forward LSTM's last state and
/// the reverse LSTM's state after reading back to the first character), zeros for length 0. [N, 2H]. With
/// <c>positions</c>, row n is written to output row positions[n] of an [outputRows, 2H] result whose other rows are
/// zero (scattering the real tokens' features back into a padded [B·T] layout). With <see cref="GatherRows"/>,
/// output row r takes word sources[r]'s states (−1: zeros), so one word may feed several rows (the tagger runs the
/// character BiLSTM once per distinct word of a batch).
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
        int n = lengths.Length;
        int rows = positions is null ? n : outputRows;
        if (positions is not null && positions.Length != n)
        {
            throw new ArgumentException($"CharFinalStates: {positions.Length} positions for {n} words.", nameof(positions));
        }

        int[] sources = new int[Math.Max(rows, 0)];
        if (positions is null)
        {
            for (int i = 0; i < n; i++)
            {
                sources[i] = i;
            }
        }
        else
        {
            Array.Fill(sources, -1);
            for (int i = 0; i < n; i++)
            {
                int at = positions[i];
                if ((uint)at >= (uint)rows)
                {
                    throw new ArgumentException($"CharFinalStates: position {at} of word {i} is outside [0, {rows}).", nameof(positions));
                }

                if (sources[at] >= 0)
                {
                    throw new ArgumentException($"CharFinalStates: position {at} is given to words {sources[at]} and {i}; positions must be distinct.", nameof(positions));
                }

                sources[at] = i;
            }
        }

        return GatherRows(y, lengths, sources);
    }

    /// <summary>
    /// y [N, L, 2H], <paramref name="lengths"/> [N] in [0, L] → [sources.Length, 2H]: row r holds the final states of
    /// word <paramref name="sources"/>[r] (in [0, N)), or zeros where sources[r] is −1. A word may feed any number of
    /// rows; its gradient is the sum of theirs (added in row order).
    /// </summary>
    public static Tensor GatherRows(Tensor y, int[] lengths, int[] sources)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(sources);
        ShapeMismatchException.Require(y.Rank == 3 && y.Shape[2] % 2 == 0 && y.Shape[0] == lengths.Length, "CharFinalStates", $"y [N, L, 2H] with N = {lengths.Length}", y.Shape);
        int n = y.Shape[0], l = y.Shape[1], d = y.Shape[2], h = d / 2;
        for (int i = 0; i < n; i++)
        {
            if ((uint)lengths[i] > (uint)l)
            {
                throw new ArgumentException($"CharFinalStates: length {lengths[i]} of word {i} is outside [0, {l}].", nameof(lengths));
            }
        }

        var o = Tensor.Scratch(new Shape(sources.Length, d));
        Span<float> os = o.Span;
        ReadOnlySpan<float> ys = y.Span;
        for (int r = 0; r < sources.Length; r++)
        {
            int i = sources[r];
            if (i < -1 || i >= n)
            {
                throw new ArgumentException($"CharFinalStates: source {i} of row {r} is outside [-1, {n}).", nameof(sources));
            }

            Span<float> dst = os.Slice(r * d, d);
            int len = i < 0 ? 0 : lengths[i];
            if (len == 0)
            {
                dst.Clear();
                continue;
            }

            ys.Slice((((i * l) + len - 1) * d), h).CopyTo(dst[..h]);
            ys.Slice((i * l * d) + h, h).CopyTo(dst[h..]);
        }

        return Autograd.ShouldRecord(y) ? o.WithGradFn(new FinalNode(y, lengths, sources)) : o;
    }

    private sealed class FinalNode(Tensor y, int[] lengths, int[] sources) : Node(y)
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
            for (int r = 0; r < sources.Length; r++)
            {
                int i = sources[r];
                int len = i < 0 ? 0 : lengths[i];
                if (len == 0)
                {
                    continue;
                }

                Span<float> last = gy.Slice(((i * l) + len - 1) * d, h), first = gy.Slice((i * l * d) + h, h);
                System.Numerics.Tensors.TensorPrimitives.Add(last, gradOutput.Slice(r * d, h), last);
                System.Numerics.Tensors.TensorPrimitives.Add(first, gradOutput.Slice((r * d) + h, h), first);
            }
        }
    }
}
