using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Stride-1 convolution as a sum of shifted GEMMs over a zero-padded copy of the image, with no im2col buffer
/// ("implicit GEMM"): with the padded plane Xp [Cin, Hp, Wp] (Hp = Ho + kh − 1, Wp = Wo + kw − 1) and the output
/// computed on the wide grid q = oh·Wp + ow (ow &lt; Wp; the kw − 1 extra columns are discarded),
/// Y[:, q] = Σ_taps W_tap[Cout, Cin] · Xp[:, q + ky·Wp + kx]. Each tap is one <see cref="GemmBlocked.Run"/> whose
/// B operand is the padded image itself (leading dimension Hp·Wp). dx and dW are the transposed products over the
/// same shifted views; dy is laid out on the wide grid with zero extra columns so they contribute nothing.
/// </summary>
/// <remarks>
/// Output is processed in blocks of whole wide rows so the C block stays in cache across the kh·kw taps.
/// Single-threaded per image (the caller spreads images over threads).
/// </remarks>
internal static unsafe class ConvImplicit
{
    /// <summary>Target wide-grid columns per block.</summary>
    private const int BlockColumns = 1024;

    /// <summary>Fewest input channels (the depth of each per-tap GEMM) for which the implicit path pays.</summary>
    internal static int MinChannels = 16;

    /// <summary>Whether the implicit path handles <paramref name="g"/> (stride 1, more than one tap, AVX2/FMA).</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Sh == 1 && g.Sw == 1 && g.Kh * g.Kw > 1 && Avx.IsSupported && Fma.IsSupported;

    /// <summary>Whether the implicit path is expected to beat im2col for <paramref name="g"/>.</summary>
    public static bool Pays(in ConvGeometry g) => g.Cin >= MinChannels;

    public static int Wp(in ConvGeometry g) => g.Wo + g.Kw - 1;

    public static int Hp(in ConvGeometry g) => g.Ho + g.Kh - 1;

    /// <summary>
    /// Floats of a padded image buffer: kw floats of slack for the wide grid's overhang, 8 more for the
    /// weight-gradient kernel's whole-vector reads past the last wide position.
    /// </summary>
    public static int PaddedLength(in ConvGeometry g) => (g.Cin * Hp(g) * Wp(g)) + g.Kw + 8;

    /// <summary>Floats per channel of the wide dy: Ho·Wp rounded up to whole vectors of 8 (zeros past Ho·Wp).</summary>
    public static int WideStride(in ConvGeometry g) => ((g.Ho * Wp(g)) + 7) & ~7;

    private static int RowsPerBlock(in ConvGeometry g) => Math.Clamp(BlockColumns / Wp(g), 1, g.Ho);

    /// <summary>Forward scratch per worker: padded image + output block.</summary>
    public static int ForwardScratch(in ConvGeometry g) => PaddedLength(g) + (g.Cout * RowsPerBlock(g) * Wp(g));

    /// <summary>Backward scratch per worker: padded image, padded dx, wide dy, tap-major dW.</summary>
    public static int BackwardScratch(in ConvGeometry g) =>
        (2 * PaddedLength(g)) + (g.Cout * WideStride(g)) + (g.Kh * g.Kw * g.Cout * g.Cin);

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

    private static void Pad(float* x, float* xp, in ConvGeometry g)
    {
        int wp = Wp(g), hp = Hp(g);
        new Span<float>(xp, PaddedLength(g)).Clear();
        int rows = Math.Min(g.H, hp - g.PadTop), cols = Math.Min(g.W, wp - g.PadLeft);
        for (int ci = 0; ci < g.Cin; ci++)
        {
            for (int h = 0; h < rows; h++)
            {
                new ReadOnlySpan<float>(x + ((long)ci * g.HW) + ((long)h * g.W), cols)
                    .CopyTo(new Span<float>(xp + ((long)ci * hp * wp) + ((long)(h + g.PadTop) * wp) + g.PadLeft, cols));
            }
        }
    }

    /// <summary>y[n] [Cout, Ho, Wo] = conv(x[n]) + bias for one image.</summary>
    public static void ForwardImage(float* x, float* wr, float* bias, float* y, float* scratch, in ConvGeometry g)
    {
        int wp = Wp(g), plane = Hp(g) * wp, taps = g.Kh * g.Kw, cc = g.Cout * g.Cin;
        float* xp = scratch;
        float* cb = scratch + PaddedLength(g);
        Pad(x, xp, g);
        int rowsPer = RowsPerBlock(g);
        for (int oh0 = 0; oh0 < g.Ho; oh0 += rowsPer)
        {
            int r = Math.Min(rowsPer, g.Ho - oh0), nb = r * wp;
            if (bias != null)
            {
                for (int co = 0; co < g.Cout; co++)
                {
                    new Span<float>(cb + ((long)co * nb), nb).Fill(bias[co]);
                }
            }

            for (int t = 0; t < taps; t++)
            {
                int ky = t / g.Kw, kx = t % g.Kw;
                GemmBlocked.Run(
                    wr + ((long)t * cc), false, g.Cin, xp + ((long)(oh0 + ky) * wp) + kx, false, plane, cb, nb,
                    g.Cout, nb, g.Cin, accumulate: t > 0 || bias != null);
            }

            for (int co = 0; co < g.Cout; co++)
            {
                for (int i = 0; i < r; i++)
                {
                    new ReadOnlySpan<float>(cb + ((long)co * nb) + ((long)i * wp), g.Wo)
                        .CopyTo(new Span<float>(y + ((long)co * g.P) + ((long)(oh0 + i) * g.Wo), g.Wo));
                }
            }
        }
    }

    /// <summary>
    /// For one image: adds dx into <paramref name="gx"/> (unless null) and dW (tap-major, [taps, Cout, Cin]) into
    /// <paramref name="dwr"/> (unless null).
    /// </summary>
    /// <remarks>
    /// dW is computed by <see cref="WeightGradImage"/> straight from the padded image and the wide dy (no packing);
    /// dx as shifted GEMMs, dXp[:, block + shift] += W_tapᵀ · dyw[:, block].
    /// </remarks>
    public static void BackwardImage(float* x, float* wr, float* gy, float* gx, float* dwr, float* scratch, in ConvGeometry g)
    {
        int wp = Wp(g), hp = Hp(g), plane = hp * wp, taps = g.Kh * g.Kw, cc = g.Cout * g.Cin, q = WideStride(g);
        int padded = PaddedLength(g);
        float* xp = scratch;
        float* dxp = xp + padded;
        float* dyw = dxp + padded;

        // dy on the wide grid, zero in the kw − 1 extra columns and past Ho·Wp.
        for (int co = 0; co < g.Cout; co++)
        {
            float* dst = dyw + ((long)co * q);
            for (int oh = 0; oh < g.Ho; oh++, dst += wp)
            {
                new ReadOnlySpan<float>(gy + ((long)co * g.P) + ((long)oh * g.Wo), g.Wo).CopyTo(new Span<float>(dst, g.Wo));
                new Span<float>(dst + g.Wo, wp - g.Wo).Clear();
            }

            new Span<float>(dst, q - (g.Ho * wp)).Clear();
        }

        if (dwr != null)
        {
            Pad(x, xp, g);
            WeightGradImage(xp, dyw, dwr, g);
        }

        if (gx == null)
        {
            return;
        }

        new Span<float>(dxp, padded).Clear();
        int rowsPer = RowsPerBlock(g);
        for (int oh0 = 0; oh0 < g.Ho; oh0 += rowsPer)
        {
            int r = Math.Min(rowsPer, g.Ho - oh0), nb = r * wp;
            long q0 = (long)oh0 * wp;
            for (int t = 0; t < taps; t++)
            {
                // dXp[:, block + shift] += W_tapᵀ[Cin, Cout] · dyw[:, block]
                int shift = ((oh0 + (t / g.Kw)) * wp) + (t % g.Kw);
                GemmBlocked.Run(wr + ((long)t * cc), true, g.Cin, dyw + q0, false, q, dxp + shift, plane, g.Cin, nb, g.Cout, accumulate: true);
            }
        }

        int rows = Math.Min(g.H, hp - g.PadTop), cols = Math.Min(g.W, wp - g.PadLeft);
        for (int ci = 0; ci < g.Cin; ci++)
        {
            for (int h = 0; h < rows; h++)
            {
                var d = new Span<float>(gx + ((long)ci * g.HW) + ((long)h * g.W), cols);
                var s = new ReadOnlySpan<float>(dxp + ((long)ci * plane) + ((long)(h + g.PadTop) * wp) + g.PadLeft, cols);
                System.Numerics.Tensors.TensorPrimitives.Add(d, s, d);
            }
        }
    }

    /// <summary>
    /// dwr[tap][co][ci] += Σ_q dyw[co, q] · Xp[ci, q + shift(tap)] over the wide grid (dy is zero on its extra
    /// columns), in blocks of 4 output channels × 1 input channel × 3 taps, each with 12 vector accumulators
    /// (<see cref="ConvDirectKernels.WeightGrad(float*, float*, float*, float*, float*, int, int, int, int, int, int, int, float*)"/>)
    /// reduced once per image. Output-channel blocks are the outer loop so their dy rows stay in L1 while the
    /// input planes stream past.
    /// </summary>
    private static void WeightGradImage(float* xp, float* dyw, float* dwr, in ConvGeometry g)
    {
        int wp = Wp(g), plane = Hp(g) * wp, taps = g.Kh * g.Kw, cc = g.Cout * g.Cin, q = WideStride(g), nvec = q / 8;
        float* acc = stackalloc float[ConvDirectWeightGrad.AccPerUnit];
        int* off = stackalloc int[taps];
        for (int t = 0; t < taps; t++)
        {
            off[t] = ((t / g.Kw) * wp) + (t % g.Kw);
        }

        for (int c = 0; c < g.Cout; c += 4)
        {
            // Missing channels of a ragged last block repeat the last one; their sums are dropped.
            int last = g.Cout - 1;
            float* d0 = dyw + ((long)c * q);
            float* d1 = dyw + ((long)Math.Min(c + 1, last) * q);
            float* d2 = dyw + ((long)Math.Min(c + 2, last) * q);
            float* d3 = dyw + ((long)Math.Min(c + 3, last) * q);
            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* xc = xp + ((long)ci * plane);
                for (int t = 0; t < taps; t += 3)
                {
                    int t1 = Math.Min(t + 1, taps - 1), t2 = Math.Min(t + 2, taps - 1);
                    new Span<float>(acc, ConvDirectWeightGrad.AccPerUnit).Clear();
                    ConvDirectKernels.WeightGrad(d0, d1, d2, d3, xc, 1, nvec, 0, 0, off[t], off[t1], off[t2], acc);
                    for (int j = 0; j < 4 && c + j < g.Cout; j++)
                    {
                        for (int k = 0; k < 3 && t + k < taps; k++)
                        {
                            dwr[((t + k) * cc) + ((c + j) * g.Cin) + ci] += System.Runtime.Intrinsics.Vector256.Sum(
                                System.Runtime.Intrinsics.X86.Avx.LoadVector256(acc + (((j * 3) + k) * 8)));
                        }
                    }
                }
            }
        }
    }

    /// <summary>dw[co][ci][tap] += dwr[tap][co][ci].</summary>
    public static void AddTapMajor(ReadOnlySpan<float> dwr, Span<float> dw, in ConvGeometry g)
    {
        int taps = g.Kh * g.Kw, cc = g.Cout * g.Cin;
        for (int co = 0; co < g.Cout; co++)
        {
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int dst = ((co * g.Cin) + ci) * taps, src = (co * g.Cin) + ci;
                for (int t = 0; t < taps; t++)
                {
                    dw[dst + t] += dwr[(t * cc) + src];
                }
            }
        }
    }
}
