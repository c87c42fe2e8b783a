using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MtlSharp.MultiTask.Models.Sluice;

/// <summary>
/// The α unit of cross-stitch (Misra et al. 2016) and sluice networks (Ruder et al. 2019, "Latent Multi-task
/// Architecture Learning"), as one fused differentiable op per target task.
/// </summary>
/// <remarks>
/// <para>Each of the M task states x_m [B, T, D] is split into <c>directions</c> equal blocks (2 for a BiLSTM:
/// [fwd; bwd]), and each block into S contiguous chunks of c = D / (directions·S) units (spec D14). Subspace s of
/// task m is the union over directions of chunk s; the same α is applied to every direction (as the official
/// code). Output for target task m′, subspace s′: y[m′, s′] = Σ_{m,s} α[m′S + s′, m·S + s] · x_m[s], with α
/// [(M·S), (M·S)] unconstrained (no softmax). S = 1 gives the plain cross-stitch unit.</para>
/// <para>Gradients: dx_m[s] += Σ_{s′} α[m′S+s′, mS+s] · g[s′]; dα[m′S+s′, mS+s] += Σ ⟨g[s′], x_m[s]⟩ over
/// positions and directions (accumulated in double).</para>
/// <para><see cref="MixChannels"/> is the channel-wise cross-stitch unit (one α [M, M] per channel) of the dense and
/// conv cross-stitch networks.</para>
/// </remarks>
public static class SubspaceMixing
{
    /// <summary>
    /// Mixes <paramref name="taskStates"/> (M tensors [B, T, D], or any equal shapes whose last axis is D) into the
    /// new state of task <paramref name="target"/> (same shape) with <paramref name="alpha"/> [(M·S), (M·S)].
    /// </summary>
    public static Tensor Mix(ReadOnlySpan<Tensor> taskStates, Tensor alpha, int target, int subspaces, int directions = 2)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        int m = taskStates.Length;
        if (m == 0)
        {
            throw new ArgumentException("SubspaceMixing.Mix: at least one task state is needed.", nameof(taskStates));
        }

        if (subspaces < 1 || directions < 1 || (uint)target >= (uint)m)
        {
            throw new ArgumentException($"SubspaceMixing.Mix: need subspaces ≥ 1, directions ≥ 1 and target in [0, {m}); got {subspaces}, {directions}, {target}.");
        }

        Tensor first = taskStates[0];
        int d = first.Shape[first.Rank - 1];
        int ms = m * subspaces;
        ShapeMismatchException.Require(
            alpha.Rank == 2 && alpha.Shape[0] == ms && alpha.Shape[1] == ms && d % (directions * subspaces) == 0,
            "SubspaceMixing", $"alpha [{ms}, {ms}] and a last axis divisible by directions·S = {directions * subspaces}", alpha.Shape, first.Shape);
        for (int i = 1; i < m; i++)
        {
            ShapeMismatchException.Require(taskStates[i].Shape == first.Shape, "SubspaceMixing", "every task state must have the same shape", first.Shape, taskStates[i].Shape);
        }

        int rows = first.Length / d, c = d / (directions * subspaces), block = d / directions;
        var y = Tensor.Scratch(first.Shape);
        Span<float> ys = y.Span;
        ReadOnlySpan<float> a = alpha.Span;
        for (int p = 0; p < rows; p++)
        {
            for (int dir = 0; dir < directions; dir++)
            {
                for (int so = 0; so < subspaces; so++)
                {
                    Span<float> dst = ys.Slice((p * d) + (dir * block) + (so * c), c);
                    dst.Clear();
                    int arow = ((target * subspaces) + so) * ms;
                    for (int src = 0; src < m; src++)
                    {
                        ReadOnlySpan<float> xs = taskStates[src].Span;
                        for (int si = 0; si < subspaces; si++)
                        {
                            float w = a[arow + (src * subspaces) + si];
                            if (w != 0f)
                            {
                                TensorPrimitives.MultiplyAdd(xs.Slice((p * d) + (dir * block) + (si * c), c), w, dst, dst);
                            }
                        }
                    }
                }
            }
        }

        var inputs = new Tensor[m + 1];
        taskStates.CopyTo(inputs);
        inputs[m] = alpha;
        return Autograd.ShouldRecord(inputs) ? y.WithGradFn(new MixNode(inputs, target, subspaces, directions)) : y;
    }

    /// <summary>
    /// Every target at once for stacked task states of one direction: <paramref name="states"/> [M, R, D] (task m's
    /// R rows), α [(M·S), (M·S)] → [M, R, D] whose slice m equals <see cref="Mix"/>(states, α, m, S, 1). Computed as
    /// one matrix product α · X over X = the states permuted to [(M·S), (R·D/S)] (subspace-major), so its cost is one
    /// GEMM and two permutations rather than M·S·M·S chunk updates per row; differentiable through the engine's ops.
    /// </summary>
    public static Tensor MixAll(Tensor states, Tensor alpha, int subspaces)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(alpha);
        ShapeMismatchException.Require(states.Rank == 3, "SubspaceMixing.MixAll", "states [M, R, D]", states.Shape);
        int m = states.Shape[0], r = states.Shape[1], d = states.Shape[2];
        ShapeMismatchException.Require(subspaces >= 1 && d % subspaces == 0 && alpha.Rank == 2 && alpha.Shape[0] == m * subspaces && alpha.Shape[1] == m * subspaces,
            "SubspaceMixing.MixAll", $"alpha [{m * subspaces}, {m * subspaces}] and D divisible by S = {subspaces}", alpha.Shape, states.Shape);
        int c = d / subspaces;
        if (subspaces == 1)
        {
            return Ops.Reshape(Ops.MatMul(alpha, Ops.Reshape(states, m, r * d)), m, r, d);
        }

        var x = Ops.Reshape(Ops.Permute(Ops.Reshape(states, m, r, subspaces, c), 0, 2, 1, 3), m * subspaces, r * c);
        var y = Ops.Reshape(Ops.MatMul(alpha, x), m, subspaces, r, c);
        return Ops.Reshape(Ops.Permute(y, 0, 2, 1, 3), m, r, d);
    }

    /// <summary>
    /// Channel-wise cross-stitch (Misra et al. 2016's per-channel variant): <paramref name="states"/> [M, N, C, P]
    /// (task m's N examples of C channels of P positions each, e.g. feature maps [C, H·W] or dense units with P = 1)
    /// mixed with one M × M matrix per channel, <paramref name="alpha"/> [C, M, M]:
    /// y[t, n, c, p] = Σ_s α[c, t, s] · x[s, n, c, p]. With every channel's α the same matrix it is
    /// <see cref="MixAll"/> with one subspace.
    /// </summary>
    /// <remarks>
    /// One fused op: per (target, example) the output run of C·P values is built from the sources' runs with
    /// <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/> over
    /// each channel's contiguous P run (P = 1: one multiply-add over the C channels with the channels' weights as a
    /// vector). Gradients: dx[s, n, c, p] += Σ_t α[c, t, s] · g[t, n, c, p]; dα[c, t, s] += Σ_{n, p} g[t, n, c, p] ·
    /// x[s, n, c, p] (accumulated in double).
    /// </remarks>
    public static Tensor MixChannels(Tensor states, Tensor alpha)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(alpha);
        ShapeMismatchException.Require(states.Rank == 4, "SubspaceMixing.MixChannels", "states [M, N, C, P]", states.Shape);
        int m = states.Shape[0], n = states.Shape[1], c = states.Shape[2], p = states.Shape[3];
        ShapeMismatchException.Require(alpha.Rank == 3 && alpha.Shape[0] == c && alpha.Shape[1] == m && alpha.Shape[2] == m,
            "SubspaceMixing.MixChannels", $"alpha [{c}, {m}, {m}] (one M × M matrix per channel) for states [M, N, C, P]", alpha.Shape, states.Shape);
        float[] at = ChannelsLast(alpha.Span, c, m);
        int row = c * p;
        var y = Tensor.Scratch(states.Shape);
        ReadOnlySpan<float> xs = states.Span;
        Span<float> ys = y.Span;
        for (int t = 0; t < m; t++)
        {
            for (int i = 0; i < n; i++)
            {
                Span<float> dst = ys.Slice(((t * n) + i) * row, row);
                dst.Clear();
                for (int s = 0; s < m; s++)
                {
                    ChannelMultiplyAdd(xs.Slice(((s * n) + i) * row, row), at.AsSpan(((t * m) + s) * c, c), p, dst);
                }
            }
        }

        return Autograd.ShouldRecord(states, alpha) ? y.WithGradFn(new ChannelMixNode(states, alpha)) : y;
    }

    /// <summary>α [C, M, M] as [M, M, C]: each (target, source) pair's weights over the channels, contiguous.</summary>
    private static float[] ChannelsLast(ReadOnlySpan<float> alpha, int channels, int m)
    {
        var at = new float[alpha.Length];
        for (int ch = 0; ch < channels; ch++)
        {
            for (int q = 0; q < m * m; q++)
            {
                at[(q * channels) + ch] = alpha[(ch * m * m) + q];
            }
        }

        return at;
    }

    /// <summary>dst[c, p] += w[c] · src[c, p] over C channels of P positions.</summary>
    private static void ChannelMultiplyAdd(ReadOnlySpan<float> src, ReadOnlySpan<float> w, int p, Span<float> dst)
    {
        if (p == 1)
        {
            TensorPrimitives.MultiplyAdd(src, w, dst, dst);
            return;
        }

        for (int ch = 0; ch < w.Length; ch++)
        {
            float wc = w[ch];
            if (wc != 0f)
            {
                Span<float> d = dst.Slice(ch * p, p);
                TensorPrimitives.MultiplyAdd(src.Slice(ch * p, p), wc, d, d);
            }
        }
    }

    private sealed class ChannelMixNode(Tensor states, Tensor alpha) : Node(states, alpha)
    {
        public override string Name => "SubspaceMixing.MixChannels";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int m = states.Shape[0], n = states.Shape[1], c = states.Shape[2], p = states.Shape[3], row = c * p;
            Span<float> gx = ctx.GradFor(states);
            Span<float> ga = ctx.GradFor(alpha);
            if (!gx.IsEmpty)
            {
                float[] at = ChannelsLast(alpha.Span, c, m);
                for (int s = 0; s < m; s++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        Span<float> dst = gx.Slice(((s * n) + i) * row, row);
                        for (int t = 0; t < m; t++)
                        {
                            ChannelMultiplyAdd(gradOutput.Slice(((t * n) + i) * row, row), at.AsSpan(((t * m) + s) * c, c), p, dst);
                        }
                    }
                }
            }

            if (ga.IsEmpty)
            {
                return;
            }

            ReadOnlySpan<float> xs = states.Span;
            var sums = new double[c * m * m];
            for (int t = 0; t < m; t++)
            {
                for (int s = 0; s < m; s++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        ReadOnlySpan<float> g = gradOutput.Slice(((t * n) + i) * row, row);
                        ReadOnlySpan<float> x = xs.Slice(((s * n) + i) * row, row);
                        for (int ch = 0; ch < c; ch++)
                        {
                            sums[(((ch * m) + t) * m) + s] += p == 1 ? (double)g[ch] * x[ch] : FixedOrder.Dot(g.Slice(ch * p, p), x.Slice(ch * p, p));
                        }
                    }
                }
            }

            for (int q = 0; q < sums.Length; q++)
            {
                ga[q] += (float)sums[q];
            }
        }
    }

    private sealed class MixNode(Tensor[] inputs, int target, int subspaces, int directions) : Node(inputs)
    {
        public override string Name => "SubspaceMixing";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int m = Inputs.Length - 1, ms = m * subspaces;
            Tensor alpha = Inputs[m];
            int d = output.Shape[output.Rank - 1], rows = output.Length / d, c = d / (directions * subspaces), block = d / directions;
            ReadOnlySpan<float> a = alpha.Span;
            Span<float> ga = ctx.GradFor(alpha);
            Span<double> dots = stackalloc double[subspaces * ms];
            dots.Clear();
            for (int src = 0; src < m; src++)
            {
                ReadOnlySpan<float> xs = Inputs[src].Span;
                Span<float> gx = ctx.GradFor(Inputs[src]);
                for (int p = 0; p < rows; p++)
                {
                    for (int dir = 0; dir < directions; dir++)
                    {
                        int baseOff = (p * d) + (dir * block);
                        for (int so = 0; so < subspaces; so++)
                        {
                            ReadOnlySpan<float> g = gradOutput.Slice(baseOff + (so * c), c);
                            int arow = ((target * subspaces) + so) * ms;
                            for (int si = 0; si < subspaces; si++)
                            {
                                int off = baseOff + (si * c);
                                if (!gx.IsEmpty)
                                {
                                    float w = a[arow + (src * subspaces) + si];
                                    if (w != 0f)
                                    {
                                        Span<float> dst = gx.Slice(off, c);
                                        TensorPrimitives.MultiplyAdd(g, w, dst, dst);
                                    }
                                }

                                if (!ga.IsEmpty)
                                {
                                    dots[(so * ms) + (src * subspaces) + si] += FixedOrder.Dot(g, xs.Slice(off, c));
                                }
                            }
                        }
                    }
                }
            }

            if (!ga.IsEmpty)
            {
                for (int so = 0; so < subspaces; so++)
                {
                    int arow = ((target * subspaces) + so) * ms;
                    for (int q = 0; q < ms; q++)
                    {
                        ga[arow + q] += (float)dots[(so * ms) + q];
                    }
                }
            }
        }
    }
}
