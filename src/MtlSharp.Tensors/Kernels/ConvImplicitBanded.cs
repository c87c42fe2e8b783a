namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The stride-1 forward pass and input gradient of <see cref="ConvImplicit"/> on bands of output rows: for each band
/// and kernel column kx, one column-shifted, zero-padded copy of the input rows the band reads,
/// S[c, i, j] = src[c, row0 + i, j + kx − padL] (i &lt; r + kh − 1, j &lt; Wo), and then one GEMM per kernel row ky whose
/// B operand is S read in place from row ky: out[:, band] (+)= W_(ky, kx) · S[:, ky·Wo ..]. No output column is
/// computed and discarded (the wide layout's kw − 1 per row), only one copy of band size is live, and the output
/// band (the C block) is written in place and stays in cache across the kh·kw GEMMs.
/// </summary>
/// <remarks>
/// The input gradient is the same correlation run on dy: dx[ci, i, j] = Σ W[co, ci, kh−1−ky', kw−1−kx'] ·
/// dy[co, i + ky' − (kh−1−padT), j + kx' − (kw−1−padL)], i.e. the flipped, transposed kernel over dy padded by
/// kh − 1 − padT rows and kw − 1 − padL columns, accumulated straight into dx (no gradient views, no fold).
/// Single-threaded per image (the caller spreads images over threads).
/// </remarks>
internal static unsafe class ConvImplicitBanded
{
    /// <summary>Target output columns per band (the C block: 48 channels × 1024 floats ≈ 192 KiB, in L2).</summary>
    private const int BandColumns = 1024;

    /// <summary>Output rows per band.</summary>
    private static int RowsPerBand(int outH, int outW) => Math.Clamp(BandColumns / Math.Max(1, outW), 1, outH);

    /// <summary>Floats of the shifted copy for a correlation of <paramref name="srcC"/> channels onto an outH×outW grid.</summary>
    public static int Scratch(int srcC, int outH, int outW, int kh) => srcC * ChannelStride((RowsPerBand(outH, outW) + kh - 1) * outW);

    /// <summary>
    /// Floats between the channels of a copy of <paramref name="floats"/> per channel: rounded up to an odd number of
    /// 64-byte lines, so the rows of a B strip (one per channel, read in place by the GEMM) fall in distinct L1 sets.
    /// A stride near a multiple of 4 KiB / 3 (e.g. 13 rows of 105) otherwise maps every third channel to the same
    /// sets and the 48-channel strip thrashes L1 (measured 10% slower at 105×105 with 5×5 kernels).
    /// </summary>
    public static int ChannelStride(int floats)
    {
        int lines = (floats + 15) / 16;
        return (lines | 1) * 16;
    }

    /// <summary>
    /// The weights the forward pass (or, <paramref name="backward"/>, the input gradient) reads, from the tap-major
    /// weights <paramref name="wr"/> ([taps][Cout][Cin]): each tap's GEMM operand packed once per call
    /// (<see cref="GemmPacking.PackA"/>; transposed for the input gradient) where the GEMM takes packed operands,
    /// else <paramref name="wr"/> itself.
    /// </summary>
    public static Tensor Weights(Tensor wr, in ConvGeometry g, bool backward)
    {
        int m = backward ? g.Cin : g.Cout, k = backward ? g.Cout : g.Cin, taps = g.Kh * g.Kw, len = GemmBlocked.PackedALength(m, k);
        if (!GemmBlocked.TakesPackedA(m, k))
        {
            return wr;
        }

        var packed = Tensor.Scratch(new Shape(taps * len));
        fixed (float* src = wr.Span)
        fixed (float* dst = packed.Span)
        {
            for (int t = 0; t < taps; t++)
            {
                GemmPacking.PackA(src + ((long)t * m * k), backward, g.Cin, m, k, dst + ((long)t * len));
            }
        }

        return packed;
    }

    /// <summary>
    /// y [Cout, Ho, Wo] = conv(x [Cin, H, W]) + bias (bias may be null) for one image; <paramref name="wr"/> from
    /// <see cref="Weights"/> (forward).
    /// </summary>
    public static void Forward(float* x, float* wr, float* bias, float* y, float* s, in ConvGeometry g) =>
        Correlate(x, g.Cin, g.H, g.W, g.PadTop, g.PadLeft, wr, false, g.Kh, g.Kw, y, g.Cout, g.Ho, g.Wo, bias, false, s);

    /// <summary>
    /// gx [Cin, H, W] += the input gradient of one image given its dy [Cout, Ho, Wo]; <paramref name="wr"/> from
    /// <see cref="Weights"/> (backward).
    /// </summary>
    public static void InputGrad(float* gy, float* wr, float* gx, float* s, in ConvGeometry g) =>
        Correlate(gy, g.Cout, g.Ho, g.Wo, g.Kh - 1 - g.PadTop, g.Kw - 1 - g.PadLeft, wr, true, g.Kh, g.Kw, gx, g.Cin, g.H, g.W, null, true, s);

    /// <summary>
    /// dst [dstC, outH, outW] (+)= Σ_taps A_tap · shifted src, where A_tap is tap (ky, kx) of the tap-major weights
    /// <paramref name="wr"/> ([taps][Cout][Cin]) or, when <paramref name="transposed"/>, tap (kh−1−ky, kw−1−kx)
    /// transposed (the input gradient's flipped kernel); packed per tap where <see cref="Weights"/> packs.
    /// </summary>
    private static void Correlate(
        float* src, int srcC, int srcH, int srcW, int padT, int padL, float* wr, bool transposed, int kh, int kw,
        float* dst, int dstC, int outH, int outW, float* bias, bool accumulate, float* s)
    {
        long cc = (long)srcC * dstC, plane = (long)outH * outW;
        int lda = transposed ? dstC : srcC, rowsPer = RowsPerBand(outH, outW);
        bool packed = GemmBlocked.TakesPackedA(dstC, srcC);
        long packedLen = GemmBlocked.PackedALength(dstC, srcC);
        for (int oh0 = 0; oh0 < outH; oh0 += rowsPer)
        {
            int r = Math.Min(rowsPer, outH - oh0), rows = r + kh - 1, nb = r * outW, lds = ChannelStride(rows * outW);
            float* c = dst + ((long)oh0 * outW);
            bool acc = accumulate;
            if (bias != null && !accumulate)
            {
                for (int co = 0; co < dstC; co++)
                {
                    new Span<float>(c + (co * plane), nb).Fill(bias[co]);
                }

                acc = true;
            }

            for (int kx = 0; kx < kw; kx++)
            {
                ShiftedRows(src, srcC, srcH, srcW, oh0 - padT, kx - padL, rows, outW, lds, s);
                for (int ky = 0; ky < kh; ky++, acc = true)
                {
                    int t = transposed ? ((kh - 1 - ky) * kw) + (kw - 1 - kx) : (ky * kw) + kx;
                    if (packed)
                    {
                        GemmBlocked.RunPackedA(wr + (t * packedLen), s + ((long)ky * outW), lds, c, (nint)plane, dstC, nb, srcC, acc);
                    }
                    else
                    {
                        GemmBlocked.Run(
                            wr + (t * cc), transposed, lda, s + ((long)ky * outW), false, lds, c, (nint)plane,
                            dstC, nb, srcC, acc);
                    }
                }
            }
        }
    }

    /// <summary>
    /// s[c·lds + i·width + j] = src[c, row0 + i, col0 + j] for i &lt; <paramref name="rows"/>, j &lt; <paramref name="width"/>,
    /// zero outside the source (every float of the copy is written; the gaps between channels are not).
    /// </summary>
    public static void ShiftedRows(float* src, int channels, int srcH, int srcW, int row0, int col0, int rows, int width, long lds, float* s)
    {
        int j0 = Math.Clamp(-col0, 0, width), j1 = Math.Clamp(srcW - col0, j0, width);
        long srcPlane = (long)srcH * srcW;
        if (srcW == width)
        {
            FlatShiftedRows(src, channels, srcH, row0, col0, rows, width, j0, j1, lds, s);
            return;
        }

        for (int c = 0; c < channels; c++)
        {
            float* sc = src + (c * srcPlane);
            float* d = s + (c * lds);
            for (int i = 0; i < rows; i++, d += width)
            {
                int row = row0 + i;
                if (row < 0 || row >= srcH || j1 == j0)
                {
                    new Span<float>(d, width).Clear();
                    continue;
                }

                new Span<float>(d, j0).Clear();
                new ReadOnlySpan<float>(sc + ((long)row * srcW) + col0 + j0, j1 - j0).CopyTo(new Span<float>(d + j0, j1 - j0));
                new Span<float>(d + j1, width - j1).Clear();
            }
        }
    }

    /// <summary>
    /// <see cref="ShiftedRows"/> when copy and source rows have the same width: S[c] is then the source plane read
    /// from flat offset row0·W + col0, so one contiguous copy per channel (clipped to the plane) and zeroed margins:
    /// the padding rows, and in each row the columns outside [j0, j1) (which the flat copy filled from a neighbouring
    /// row).
    /// </summary>
    private static void FlatShiftedRows(float* src, int channels, int srcH, int row0, int col0, int rows, int width, int j0, int j1, long lds, float* s)
    {
        long plane = (long)srcH * width, len = (long)rows * width, shift = ((long)row0 * width) + col0;
        int i0 = Math.Clamp(-row0, 0, rows), i1 = Math.Clamp(srcH - row0, i0, rows);
        long f0 = Math.Clamp(Math.Max((long)i0 * width, -shift), 0, len), f1 = Math.Clamp(Math.Min((long)i1 * width, plane - shift), f0, len);
        for (int c = 0; c < channels; c++)
        {
            float* d = s + (c * lds);
            float* sc = src + (c * plane) + shift;
            new Span<float>(d, (int)f0).Clear();
            new ReadOnlySpan<float>(sc + f0, (int)(f1 - f0)).CopyTo(new Span<float>(d + f0, (int)(f1 - f0)));
            new Span<float>(d + f1, (int)(len - f1)).Clear();
            if (j0 == 0 && j1 == width)
            {
                continue;
            }

            for (int i = i0; i < i1; i++)
            {
                float* row = d + ((long)i * width);
                for (int j = 0; j < j0; j++)
                {
                    row[j] = 0f;
                }

                for (int j = j1; j < width; j++)
                {
                    row[j] = 0f;
                }
            }
        }
    }
}
