using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    // Rows × D below which LayerNorm runs on one thread.
    private const int LayerNormParallelElements = 1 << 16;

    /// <summary>
    /// Layer normalisation (Ba et al. 2016) over the last axis of x [..., D]: (x − mean)/√(var + eps) · gamma + beta
    /// with the biased variance, as <c>torch.nn.functional.layer_norm</c>; gamma and beta [D] or null. Mean and
    /// 1/√(var + eps) per row are kept for the fused backward.
    /// </summary>
    public static Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
        {
            throw new ShapeMismatchException("LayerNorm", "x [..., D] of rank at least 1", x.Shape);
        }

        int d = x.Shape.Dims[x.Rank - 1];
        if (gamma is not null && (gamma.Rank != 1 || gamma.Length != d))
        {
            throw new ShapeMismatchException("LayerNorm", $"gamma [{d}] for x [..., {d}]", x.Shape, gamma.Shape);
        }

        if (beta is not null && (beta.Rank != 1 || beta.Length != d))
        {
            throw new ShapeMismatchException("LayerNorm", $"beta [{d}] for x [..., {d}]", x.Shape, beta.Shape);
        }

        if (!(eps >= 0))
        {
            throw new ArgumentException($"LayerNorm: eps must be non-negative, got {eps}.", nameof(eps));
        }

        int rows = d == 0 ? 0 : x.Length / d;
        var y = Tensor.Scratch(x.Shape);
        var stats = Tensor.Scratch(new Shape(Math.Max(1, rows) * 2));
        int grain = Math.Max(1, LayerNormParallelElements / Math.Max(1, d));
        if (Threading.ChunkCount(rows, grain) <= 1)
        {
            LayerNormRows(x, gamma, beta, eps, y, stats, 0, rows);
        }
        else
        {
            Threading.For(rows, grain, (s, e) => LayerNormRows(x, gamma, beta, eps, y, stats, s, e));
        }

        return Autograd.ShouldRecord(x, gamma, beta) ? y.WithGradFn(new LayerNormNode(x, gamma, beta, stats)) : y;
    }

    private static void LayerNormRows(Tensor x, Tensor? gamma, Tensor? beta, float eps, Tensor y, Tensor stats, int start, int end)
    {
        int d = x.Shape.Dims[x.Rank - 1];
        ReadOnlySpan<float> xs = x.Span, gs = gamma is null ? default : gamma.Span, bs = beta is null ? default : beta.Span;
        Span<float> ys = y.Span, st = stats.Span;
        float invD = 1f / d;
        for (int r = start; r < end; r++)
        {
            ReadOnlySpan<float> row = xs.Slice(r * d, d);
            float mean = FixedOrder.Sum(row) * invD;
            float var = NormKernels.SumSquaredCentered(row, mean) * invD;
            float rstd = 1f / MathF.Sqrt(var + eps);
            NormKernels.Normalize(row, mean, rstd, gs, bs, ys.Slice(r * d, d));
            st[2 * r] = mean;
            st[(2 * r) + 1] = rstd;
        }
    }

    /// <summary>
    /// Fused LayerNorm backward. With x̂ = (x − μ)·r and ĝ = g·gamma per row of length D:
    /// dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)); dgamma = Σ_rows g·x̂; dbeta = Σ_rows g.
    /// </summary>
    private sealed class LayerNormNode : Node
    {
        private readonly Tensor? _gamma, _beta;
        private readonly Tensor _stats;

        public LayerNormNode(Tensor x, Tensor? gamma, Tensor? beta, Tensor stats)
            : base(NormInputs(x, gamma, beta))
        {
            (_gamma, _beta, _stats) = (gamma, beta, stats);
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor x = Inputs[0];
            int d = x.Shape.Dims[x.Rank - 1];
            int rows = d == 0 ? 0 : x.Length / d;
            ReadOnlySpan<float> xs = x.Span, st = _stats.Span;
            ReadOnlySpan<float> ws = _gamma is null ? default : _gamma.Span;
            Span<float> gx = ctx.GradFor(x);
            Span<float> gg = _gamma is null ? default : ctx.GradFor(_gamma);
            Span<float> gb = _beta is null ? default : ctx.GradFor(_beta);
            int grain = Math.Max(1, LayerNormParallelElements / Math.Max(1, d));
            if (!gx.IsEmpty)
            {
                if (Threading.ChunkCount(rows, grain) <= 1)
                {
                    InputRows(xs, gradOutput, ws, st, gx, d, 0, rows);
                }
                else
                {
                    InputRowsParallel(xs, gradOutput, ws, st, gx, d, rows, grain);
                }
            }

            if (!gg.IsEmpty || !gb.IsEmpty)
            {
                int colGrain = Math.Max(64, LayerNormParallelElements / Math.Max(1, rows));
                if (Threading.ChunkCount(d, colGrain) <= 1)
                {
                    AffineColumns(xs, gradOutput, st, gg, gb, d, rows, 0, d);
                }
                else
                {
                    AffineColumnsParallel(xs, gradOutput, st, gg, gb, d, rows, colGrain);
                }
            }
        }

        private static void InputRows(
            ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> ws, ReadOnlySpan<float> st, Span<float> dx, int d, int start, int end)
        {
            float invD = 1f / d;
            for (int r = start; r < end; r++)
            {
                ReadOnlySpan<float> xr = xs.Slice(r * d, d), gr = gs.Slice(r * d, d);
                float mean = st[2 * r], rstd = st[(2 * r) + 1];
                float s1, s2;
                if (ws.IsEmpty)
                {
                    NormKernels.SumAndDotCentered(gr, xr, mean, out s1, out s2);
                }
                else
                {
                    s1 = FixedOrder.Dot(gr, ws);
                    s2 = NormKernels.DotCentered(gr, ws, xr, mean);
                }

                float m1 = s1 * invD;        // mean(ĝ)
                float m2 = rstd * s2 * invD; // mean(ĝ·x̂)
                NormKernels.AddInputGrad(dx.Slice(r * d, d), rstd, gr, ws, -rstd * rstd * m2, xr, mean, -rstd * m1);
            }
        }

        private static unsafe void InputRowsParallel(
            ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> ws, ReadOnlySpan<float> st, Span<float> dx, int d, int rows, int grain)
        {
            fixed (float* px = xs, pg = gs, pw = ws, ps = st, pd = dx)
            {
                float* x = px, g = pg, w = pw, s = ps, o = pd;
                int n = xs.Length, nw = ws.Length, ns = st.Length;
                Threading.For(rows, grain, (start, end) => InputRows(
                    new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(g, n), new ReadOnlySpan<float>(w, nw),
                    new ReadOnlySpan<float>(s, ns), new Span<float>(o, n), d, start, end));
            }
        }

        private static void AffineColumns(
            ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> st, Span<float> dgamma, Span<float> dbeta, int d, int rows, int c0, int c1)
        {
            int w = c1 - c0;
            Span<float> dg = dgamma.IsEmpty ? default : dgamma.Slice(c0, w);
            Span<float> db = dbeta.IsEmpty ? default : dbeta.Slice(c0, w);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> gr = gs.Slice((r * d) + c0, w);
                if (!dg.IsEmpty)
                {
                    NormKernels.AddGammaGrad(dg, gr, xs.Slice((r * d) + c0, w), st[2 * r], st[(2 * r) + 1]);
                }

                if (!db.IsEmpty)
                {
                    TensorPrimitives.Add(db, gr, db);
                }
            }
        }

        private static unsafe void AffineColumnsParallel(
            ReadOnlySpan<float> xs, ReadOnlySpan<float> gs, ReadOnlySpan<float> st, Span<float> dgamma, Span<float> dbeta, int d, int rows, int grain)
        {
            fixed (float* px = xs, pg = gs, ps = st, pdg = dgamma, pdb = dbeta)
            {
                float* x = px, g = pg, s = ps, og = pdg, ob = pdb;
                int n = xs.Length, ns = st.Length, ng = dgamma.Length, nb = dbeta.Length;
                Threading.For(d, grain, (c0, c1) => AffineColumns(
                    new ReadOnlySpan<float>(x, n), new ReadOnlySpan<float>(g, n), new ReadOnlySpan<float>(s, ns),
                    new Span<float>(og, ng), new Span<float>(ob, nb), d, rows, c0, c1));
            }
        }
    }

    private static Tensor[] NormInputs(Tensor x, Tensor? gamma, Tensor? beta) =>
        (gamma, beta) switch
        {
            (null, null) => [x],
            (not null, null) => [x, gamma],
            (null, not null) => [x, beta],
            _ => [x, gamma!, beta!],
        };
}
