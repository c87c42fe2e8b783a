using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    // Elements below which GroupNorm runs on one thread.
    private const int GroupNormParallelElements = 1 << 16;

    /// <summary>
    /// Group normalisation (Wu &amp; He 2018) of x [N, C, *] (any number of spatial axes, including none) with
    /// <paramref name="groups"/> groups of C/groups channels; gamma and beta [C] or null. Matches
    /// <c>torch.nn.functional.group_norm</c> (biased variance per (n, group), accumulated in double). Parallel over
    /// (n, group).
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? gamma, Tensor? beta, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2)
        {
            throw new ShapeMismatchException("GroupNorm", "x [N, C, *] of rank at least 2", x.Shape);
        }

        int n = x.Shape.Dims[0], c = x.Shape.Dims[1];
        if (groups < 1 || c % groups != 0)
        {
            throw new ArgumentException($"GroupNorm: {c} channels of x {x.Shape} cannot be split into {groups} groups (C must be divisible by groups).", nameof(groups));
        }

        if (gamma is not null && (gamma.Rank != 1 || gamma.Length != c))
        {
            throw new ShapeMismatchException("GroupNorm", $"gamma [{c}] for x [N, {c}, *]", x.Shape, gamma.Shape);
        }

        if (beta is not null && (beta.Rank != 1 || beta.Length != c))
        {
            throw new ShapeMismatchException("GroupNorm", $"beta [{c}] for x [N, {c}, *]", x.Shape, beta.Shape);
        }

        if (!(eps >= 0))
        {
            throw new ArgumentException($"GroupNorm: eps must be non-negative, got {eps}.", nameof(eps));
        }

        var p = new GroupNormProblem(n, c, groups, x.Shape.Product(2, x.Rank));
        var y = Tensor.Scratch(x.Shape);
        var stats = Tensor.Scratch(new Shape(Math.Max(1, n * groups) * 2));
        int blocks = n * groups;
        int grain = p.Grain;
        if (Threading.ChunkCount(blocks, grain) <= 1)
        {
            GroupNormBlocks(p, x, gamma, beta, eps, y, stats, 0, blocks);
        }
        else
        {
            Threading.For(blocks, grain, (s, e) => GroupNormBlocks(p, x, gamma, beta, eps, y, stats, s, e));
        }

        return Autograd.ShouldRecord(x, gamma, beta) ? y.WithGradFn(new GroupNormNode(x, gamma, beta, stats, p)) : y;
    }

    private static void GroupNormBlocks(GroupNormProblem p, Tensor x, Tensor? gamma, Tensor? beta, float eps, Tensor y, Tensor stats, int start, int end)
    {
        ReadOnlySpan<float> xs = x.Span, gs = gamma is null ? default : gamma.Span, bs = beta is null ? default : beta.Span;
        Span<float> ys = y.Span, st = stats.Span;
        int cg = p.C / p.Groups, sp = p.Spatial, cnt = cg * sp;
        double inv = 1.0 / Math.Max(1, cnt);
        for (int blk = start; blk < end; blk++)
        {
            // Statistics in double: a group holds up to C/G·H·W values (22,050 at Omniglot's 105×105), whose float
            // sums would be off by ~1e-5 relative.
            ReadOnlySpan<float> xb = xs.Slice(blk * cnt, cnt);
            double meanWide = NormKernels.SumWide(xb) * inv;
            float mean = (float)meanWide;
            float rstd = (float)(1.0 / Math.Sqrt((NormKernels.SumSquaredCenteredWide(xb, meanWide) * inv) + eps));
            st[2 * blk] = mean;
            st[(2 * blk) + 1] = rstd;
            int c0 = (blk % p.Groups) * cg;
            for (int j = 0; j < cg; j++)
            {
                int ch = c0 + j;
                float scale = gs.IsEmpty ? rstd : rstd * gs[ch];
                NormKernels.CenterScaleShift(xb.Slice(j * sp, sp), mean, scale, bs.IsEmpty ? 0f : bs[ch], ys.Slice((blk * cnt) + (j * sp), sp));
            }
        }
    }

    /// <summary>Sizes of one GroupNorm call: x [N, C, S] with S the product of the spatial axes.</summary>
    private readonly record struct GroupNormProblem(int N, int C, int Groups, int Spatial)
    {
        /// <summary>(n, group) blocks per parallel chunk, at least <see cref="GroupNormParallelElements"/> elements.</summary>
        public int Grain => Math.Max(1, GroupNormParallelElements / Math.Max(1, C / Groups * Spatial));
    }

    /// <summary>
    /// Fused GroupNorm backward. Per (n, group) block of cnt = (C/G)·S elements with x̂ = (x − μ)·r, ĝ = g·gamma_c:
    /// dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)). Per channel only A_c = Σ_s g and B_c = Σ_s g·(x − μ) are needed, from
    /// which the block means follow and dgamma_c = Σ_n r·B_c, dbeta_c = Σ_n A_c (summed over n in order).
    /// </summary>
    private sealed class GroupNormNode : Node
    {
        private readonly Tensor? _gamma, _beta;
        private readonly Tensor _stats;
        private readonly GroupNormProblem _p;

        public GroupNormNode(Tensor x, Tensor? gamma, Tensor? beta, Tensor stats, GroupNormProblem p)
            : base(NormInputs(x, gamma, beta))
        {
            (_gamma, _beta, _stats, _p) = (gamma, beta, stats, p);
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor x = Inputs[0];
            var p = _p;
            Span<float> gx = ctx.GradFor(x);
            Span<float> gg = _gamma is null ? default : ctx.GradFor(_gamma);
            Span<float> gb = _beta is null ? default : ctx.GradFor(_beta);
            if (gx.IsEmpty && gg.IsEmpty && gb.IsEmpty)
            {
                return;
            }

            // Per (n, c): r·B and A, reduced over n afterwards (a fixed order, so deterministic).
            var partial = Tensor.Scratch(new Shape(Math.Max(1, p.N * p.C) * 2));
            ReadOnlySpan<float> ws = _gamma is null ? default : _gamma.Span;
            int blocks = p.N * p.Groups;
            if (Threading.ChunkCount(blocks, p.Grain) <= 1)
            {
                Blocks(p, x.Span, gradOutput, ws, _stats.Span, gx, partial.Span, 0, blocks);
            }
            else
            {
                BlocksParallel(p, x.Span, gradOutput, ws, _stats.Span, gx, partial.Span, blocks);
            }

            ReadOnlySpan<float> ps = partial.Span;
            for (int n = 0; n < p.N; n++)
            {
                for (int ch = 0; ch < p.C; ch++)
                {
                    int i = 2 * ((n * p.C) + ch);
                    if (!gg.IsEmpty)
                    {
                        gg[ch] += ps[i];
                    }

                    if (!gb.IsEmpty)
                    {
                        gb[ch] += ps[i + 1];
                    }
                }
            }
        }

        private static void Blocks(
            GroupNormProblem p, ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> ws, ReadOnlySpan<float> st,
            Span<float> dx, Span<float> partial, int start, int end)
        {
            int cg = p.C / p.Groups, sp = p.Spatial, cnt = cg * sp;
            float inv = 1f / Math.Max(1, cnt);
            for (int blk = start; blk < end; blk++)
            {
                float mean = st[2 * blk], rstd = st[(2 * blk) + 1];
                int c0 = (blk % p.Groups) * cg;
                int pc = 2 * (((blk / p.Groups) * p.C) + c0);
                float s1 = 0, s2 = 0;
                for (int j = 0; j < cg; j++)
                {
                    int off = (blk * cnt) + (j * sp);
                    ReadOnlySpan<float> gr = gs.Slice(off, sp);
                    NormKernels.SumAndDotCentered(gr, xs.Slice(off, sp), mean, out float a, out float b);
                    float w = ws.IsEmpty ? 1f : ws[c0 + j];
                    s1 += w * a;
                    s2 += w * b;
                    partial[pc + (2 * j)] = rstd * b;
                    partial[pc + (2 * j) + 1] = a;
                }

                if (dx.IsEmpty)
                {
                    continue;
                }

                float m1 = s1 * inv;                 // mean(ĝ)
                float m2 = rstd * s2 * inv;          // mean(ĝ·x̂)
                float bCoef = -rstd * rstd * m2, cCoef = -rstd * m1;
                for (int j = 0; j < cg; j++)
                {
                    int off = (blk * cnt) + (j * sp);
                    float aCoef = ws.IsEmpty ? rstd : rstd * ws[c0 + j];
                    NormKernels.AddInputGrad(dx.Slice(off, sp), aCoef, gs.Slice(off, sp), default, bCoef, xs.Slice(off, sp), mean, cCoef);
                }
            }
        }

        private static unsafe void BlocksParallel(
            GroupNormProblem p, ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> ws, ReadOnlySpan<float> st,
            Span<float> dx, Span<float> partial, int blocks)
        {
            fixed (float* px = xs, pg = gs, pw = ws, ps = st, pd = dx, pp = partial)
            {
                float* x = px, g = pg, w = pw, s = ps, d = pd, q = pp;
                int n = xs.Length, nw = ws.Length, ns = st.Length, nd = dx.Length, nq = partial.Length;
                Threading.For(blocks, p.Grain, (start, end) => Blocks(
                    p, new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(g, n), new ReadOnlySpan<float>(w, nw),
                    new ReadOnlySpan<float>(s, ns), new Span<float>(d, nd), new Span<float>(q, nq), start, end));
            }
        }
    }
}
