using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Convolution as a sum of shifted GEMMs over zero-padded copies of the image, with no im2col buffer
/// ("implicit GEMM"). Outputs live on a grid of rows of width Lw, q = oh·Lw + ow, and every tap (ky, kx) reads a
/// contiguous shifted view of the input: Y[:, q] = Σ_taps W_tap[Cout, Cin] · V[:, q + offset(tap)], one
/// <see cref="GemmBlocked.Run"/> per tap whose B operand is the view itself. Two layouts (<see cref="Layout"/>):
/// <list type="bullet">
/// <item>wide: one padded plane Xp [Cin, Hp, Wp] (Hp = Ho + kh − 1, Wp = Wo + kw − 1), Lw = Wp, offset = ky·Wp + kx;
/// the kw − 1 extra columns per row are computed and discarded (dy is zero there);</item>
/// <item>phased (strides sh, sw &gt; 1, polyphase decomposition): the sh·sw phases of the padded image,
/// Xph[py, px] [Cin, Hp, Lw] with Xph[py, px][ci, i, j] = Xp[ci, sh·i + py, sw·j + px], Hp = Ho + ⌈kh/sh⌉ − 1,
/// Lw = Wo + ⌈kw/sw⌉ − 1: the strided convolution is the sum over phases of stride-1 convolutions with the
/// sub-kernels w[py::sh, px::sw], so tap (ky, kx) reads phase (ky mod sh, kx mod sw) at offset
/// (ky / sh)·Lw + kx / sw, and everything else (GEMMs, dW kernel, dx fold) is the wide layout's.</item>
/// </list>
/// dx is the transposed product accumulated into gradient views of the same layout, then folded back into dx;
/// dW reads the views and dy directly with a register-blocked kernel (no packing). Stride 1 by default runs banded
/// instead (<see cref="Layout.Banded"/>): forward and dx by <see cref="ConvImplicitBanded"/> (one shifted copy of a
/// band of rows at a time, no wasted columns), dW by <see cref="ConvImplicitWeightGrad.ImageByColumns"/> while a
/// column copy fits L2, else from the wide views above.
/// </summary>
/// <remarks>
/// Not a default path since session 19: every kernel it applies to goes to <see cref="ConvSmall"/> by default
/// (stride 1 since session 11; strided since session 19, whose forward + backward at 105², 48 channels, ran 8–21 %
/// faster there at 1 thread on Zen 1); tests force it through <see cref="KernelOverrides"/>.
/// Output is processed in blocks of whole rows so the C block stays in cache across the taps; taps run with kx
/// outermost so consecutive GEMMs read the same copy. Single-threaded per image (the caller spreads images over
/// threads).
/// </remarks>
internal static unsafe partial class ConvImplicit
{
    /// <summary>Target grid columns per block.</summary>
    private const int BlockColumns = 1024;

    /// <summary>Fewest input channels (the depth of each per-tap GEMM) for which the implicit path pays.</summary>
    internal static int MinChannels = 16;

    /// <summary>
    /// Largest column copy (Cin·(Ho + kh − 1)·Wo floats, 768 KiB) for which dW is computed one column copy at a time:
    /// each copy is streamed once per block of output channels, so it must stay in L2. Measured at 48 channels,
    /// stride 1: faster at 53×53 (600 KiB copies), 10–15% slower at 105×105 (2 MiB copies) than the views.
    /// </summary>
    private const long ColumnsDwMaxFloats = 3 << 16;

    /// <summary>
    /// Whether the implicit path handles <paramref name="g"/>: more than one tap, at least stride taps per axis (every
    /// phase has a sub-kernel), AVX2/FMA.
    /// </summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Kh >= g.Sh && g.Kw >= g.Sw && g.Kh * g.Kw > 1 && Avx.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Whether the implicit path is expected to beat im2col for <paramref name="g"/>. Measured at 48 channels, 105×105,
    /// stride 2 (forward + backward, one thread): 3×3 about as fast (0.94–1.0× the time), 5×5 0.69×, 7×7 0.63×.
    /// </summary>
    public static bool Pays(in ConvGeometry g) => g.Cin >= MinChannels;

    /// <summary>
    /// Stride 1 runs banded unless the kernel has one row (each band copy then serves a single tap) and the wide grid
    /// wastes under 1/8 of its columns: 1×7 at 105×105 measured 2–3% slower banded, at 27×27 5% faster. Tiny images
    /// (Wo &lt; 24) stay on the wide grid: banded, its per-band copies and per-tap GEMM calls cost more than the waste
    /// they save (4-MNISTs 16×12×12 layer: 1.39 vs 0.94 ms forward+backward at 1 thread). Since session 11 every stride-1
    /// kernel of more than one tap goes to <see cref="ConvSmall"/> by default; the stride-1 layouts here serve 1×1
    /// kernels and tests that force this path.
    /// </summary>
    private static bool UseBanded(in ConvGeometry g) => g.Wo >= 24 && (g.Kh > 1 || (g.Kw - 1) * 8 >= g.Wo);

    private static int RowsPerBlock(in Layout l, in ConvGeometry g) => Math.Clamp(BlockColumns / l.Lw, 1, g.Ho);

    /// <summary>Forward scratch per worker: the band copy (banded), or views + output block.</summary>
    public static int ForwardScratch(in Layout l, in ConvGeometry g)
    {
        return l.Banded
            ? ConvImplicitBanded.Scratch(g.Cin, g.Ho, g.Wo, g.Kh)
            : l.Len + (g.Cout * RowsPerBlock(l, g) * l.Lw);
    }

    /// <summary>
    /// Backward scratch per worker: views, dy on the grid and gradient views (banded: the larger of the input
    /// gradient's band copy and dW's column copy or views and dy on the grid), then the worker's partial dW.
    /// </summary>
    public static int BackwardScratch(in Layout l, in ConvGeometry g)
    {
        int views = l.Len + (g.Cout * l.Qv);
        int copies = !l.Banded ? views + l.Len
            : Math.Max(ConvImplicitBanded.Scratch(g.Cout, g.H, g.W, g.Kh), l.ColumnsDw ? ConvImplicitWeightGrad.ColumnsScratch(g) : views);
        return copies + (g.Kh * g.Kw * g.Cout * g.Cin);
    }

    /// <summary>wr[tap][co][ci] = w[co][ci][tap].</summary>
    public static void TapMajorWeights(ReadOnlySpan<float> w, Span<float> wr, in ConvGeometry g)
    {
        int taps = g.Kh * g.Kw, cc = g.Cout * g.Cin;
        for (int co = 0; co < g.Cout; co++)
        {
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int src = ((co * g.Cin) + ci) * taps, dst = (co * g.Cin) + ci;
                for (int t = 0; t < taps; t++)
                {
                    wr[(t * cc) + dst] = w[src + t];
                }
            }
        }
    }

    /// <summary>Fills the views of one image (every float of the buffer is written).</summary>
    private static void BuildViews(float* x, float* v, in Layout l, in ConvGeometry g)
    {
        new Span<float>(v, l.Len).Clear();
        for (int k = 0; k < l.Views; k++)
        {
            var r = new ViewRange(k, l, g);
            if (r.Empty)
            {
                continue;
            }

            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* dst = v + ((long)k * l.ViewLen) + ((long)ci * l.ViewPlane);
                float* src = x + ((long)ci * g.HW);
                for (int i = r.I0; i < r.I1; i++)
                {
                    float* s = src + ((long)((g.Sh * i) + r.RowOff) * g.W) + r.ColOff;
                    float* d = dst + ((long)i * l.Lw);
                    if (g.Sw == 1)
                    {
                        new ReadOnlySpan<float>(s + r.J0, r.J1 - r.J0).CopyTo(new Span<float>(d + r.J0, r.J1 - r.J0));
                    }
                    else
                    {
                        for (int j = r.J0; j < r.J1; j++)
                        {
                            d[j] = s[g.Sw * j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>gx [Cin, H, W] += the gradient views folded back onto the input (the transpose of <see cref="BuildViews"/>).</summary>
    private static void FoldViews(float* dv, float* gx, in Layout l, in ConvGeometry g)
    {
        for (int k = 0; k < l.Views; k++)
        {
            var r = new ViewRange(k, l, g);
            if (r.Empty)
            {
                continue;
            }

            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* src = dv + ((long)k * l.ViewLen) + ((long)ci * l.ViewPlane);
                float* dst = gx + ((long)ci * g.HW);
                for (int i = r.I0; i < r.I1; i++)
                {
                    float* d = dst + ((long)((g.Sh * i) + r.RowOff) * g.W) + r.ColOff;
                    float* s = src + ((long)i * l.Lw);
                    if (g.Sw == 1)
                    {
                        var dd = new Span<float>(d + r.J0, r.J1 - r.J0);
                        TensorPrimitives.Add(dd, new ReadOnlySpan<float>(s + r.J0, r.J1 - r.J0), dd);
                    }
                    else
                    {
                        for (int j = r.J0; j < r.J1; j++)
                        {
                            d[g.Sw * j] += s[j];
                        }
                    }
                }
            }
        }
    }

    /// <summary>y[n] [Cout, Ho, Wo] = conv(x[n]) + bias for one image.</summary>
    public static void ForwardImage(float* x, float* wr, float* bias, float* y, float* scratch, in Layout l, in ConvGeometry g)
    {
        if (l.Banded)
        {
            ConvImplicitBanded.Forward(x, wr, bias, y, scratch, g);
            return;
        }

        int cc = g.Cout * g.Cin;
        float* v = scratch;
        float* cb = scratch + l.Len;
        BuildViews(x, v, l, g);
        int rowsPer = RowsPerBlock(l, g);
        for (int oh0 = 0; oh0 < g.Ho; oh0 += rowsPer)
        {
            int r = Math.Min(rowsPer, g.Ho - oh0), nb = r * l.Lw;

            // The block is a buffer on the grid whose valid columns are copied out.
            float* c = cb;
            if (bias != null)
            {
                for (int co = 0; co < g.Cout; co++)
                {
                    new Span<float>(c + ((long)co * nb), nb).Fill(bias[co]);
                }
            }

            bool accumulate = bias != null;
            for (int kx = 0; kx < g.Kw; kx++)
            {
                for (int ky = 0; ky < g.Kh; ky++, accumulate = true)
                {
                    int t = (ky * g.Kw) + kx;
                    GemmBlocked.Run(
                        wr + ((long)t * cc), false, g.Cin, v + l.Offset(ky, kx) + ((long)oh0 * l.Lw), false, l.ViewPlane, c, nb,
                        g.Cout, nb, g.Cin, accumulate);
                }
            }

            for (int co = 0; co < g.Cout; co++)
            {
                for (int i = 0; i < r; i++)
                {
                    new ReadOnlySpan<float>(cb + ((long)co * nb) + ((long)i * l.Lw), g.Wo)
                        .CopyTo(new Span<float>(y + ((long)co * g.P) + ((long)(oh0 + i) * g.Wo), g.Wo));
                }
            }
        }
    }

    /// <summary>
    /// For one image: adds dx into <paramref name="gx"/> (unless null) and dW ([Cout, Cin, kh, kw]) into
    /// <paramref name="dw"/> (unless null).
    /// </summary>
    /// <remarks>
    /// dW is computed by <see cref="ConvImplicitWeightGrad.Image"/> straight from the views and dy on the grid (no packing);
    /// dx as shifted GEMMs into gradient views, dV[:, block + offset] += W_tapᵀ · dy[:, block], then folded.
    /// </remarks>
    public static void BackwardImage(float* x, float* wr, float* gy, float* gx, float* dw, float* scratch, in Layout l, in ConvGeometry g)
    {
        int cc = g.Cout * g.Cin, q = l.Qv;
        if (l.Banded)
        {
            // The scratch region serves in turn the input gradient's band copies and dW's column copy or views.
            if (gx != null)
            {
                ConvImplicitBanded.InputGrad(gy, wr, gx, scratch, g);
            }

            if (dw == null)
            {
                return;
            }

            if (l.ColumnsDw)
            {
                ConvImplicitWeightGrad.ImageByColumns(x, gy, dw, scratch, g);
                return;
            }

            gx = null; // done: the views below serve dW only
        }

        float* v = scratch;
        float* dyg = v + l.Len;
        float* dv = dyg + ((long)g.Cout * q);

        // dy on the grid: zero in the extra columns (wide) and past Ho·Lw.
        for (int co = 0; co < g.Cout; co++)
        {
            float* dst = dyg + ((long)co * q);
            for (int oh = 0; oh < g.Ho; oh++, dst += l.Lw)
            {
                new ReadOnlySpan<float>(gy + ((long)co * g.P) + ((long)oh * g.Wo), g.Wo).CopyTo(new Span<float>(dst, g.Wo));
                new Span<float>(dst + g.Wo, l.Lw - g.Wo).Clear();
            }

            new Span<float>(dst, q - (g.Ho * l.Lw)).Clear();
        }

        if (dw != null)
        {
            BuildViews(x, v, l, g);
            ConvImplicitWeightGrad.Image(v, dyg, dw, l, g);
        }

        if (gx == null)
        {
            return;
        }

        new Span<float>(dv, l.Len).Clear();
        int rowsPer = RowsPerBlock(l, g);
        for (int oh0 = 0; oh0 < g.Ho; oh0 += rowsPer)
        {
            int r = Math.Min(rowsPer, g.Ho - oh0), nb = r * l.Lw;
            long q0 = (long)oh0 * l.Lw;
            for (int kx = 0; kx < g.Kw; kx++)
            {
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    // dV[:, block + offset] += W_tapᵀ[Cin, Cout] · dy[:, block]
                    int t = (ky * g.Kw) + kx;
                    GemmBlocked.Run(
                        wr + ((long)t * cc), true, g.Cin, dyg + q0, false, q, dv + l.Offset(ky, kx) + q0, l.ViewPlane,
                        g.Cin, nb, g.Cout, accumulate: true);
                }
            }
        }

        FoldViews(dv, gx, l, g);
    }
}
