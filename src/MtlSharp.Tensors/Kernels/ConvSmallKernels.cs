using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The register-blocked inner loops of <see cref="ConvSmall"/>: channels in the vector lanes, blocks of 16 channels
/// × 8 pixels (or 8 weight rows), results transposed 8×8 in registers so they are stored as rows of pixels (or of
/// weights). Scalar operands are broadcast straight from memory, so no read goes past the planes (no slack, no wasted
/// lanes along the image).
/// </summary>
/// <remarks>
/// Two widths with the same sums in the same order (one FMA per table row, per lane), so bit-identical results:
/// 512-bit (one vector of 16 channels per pixel, the broadcast folded into the FMA as an embedded broadcast: 8 FMAs,
/// 1 load per step) where the host accelerates it, else AVX2/FMA (two vectors per pixel, 16 accumulators: with the
/// two weight vectors and a broadcast, 19 registers — which AVX-512 hosts have, 32, but AVX2-only hosts, 16, do not:
/// there the 256-bit kernels run in two passes of 4 pixels or weight rows, 11 registers, through a stack tile,
/// <see cref="FewRegisters"/>). Measured on the 2-core AMD EPYC (Zen 4) development host, hot in L1, 144 table rows:
/// 512-bit 115 GFLOP/s (its FMA peak), 256-bit 98.
/// </remarks>
internal static unsafe class ConvSmallKernels
{
    /// <summary>
    /// Whether the 256-bit kernels run in two half passes by default: where the host has no AVX-512, so only the 16
    /// vector registers of AVX2 (the one-pass form needs 19; measured on the Zen 4 host with .NET's AVX-512 turned off,
    /// session 13, it reached 34–50 % of the FMA peak on the Omniglot shapes).
    /// </summary>
    public static bool FewRegisters { get; } = !Avx512F.IsSupported;

    /// <summary>
    /// Table rows per chunk of the half-pass correlation: 256 rows of 16 channels, 16 KiB, held in L1 while both
    /// halves run over them.
    /// </summary>
    private const int ChunkRows = 256;

    /// <summary>Channels per block (the lanes of two vectors).</summary>
    public const int Lanes = 16;

    /// <summary>Pixels (forward, dx) or weight rows (dW) per block.</summary>
    public const int Rows = 8;

    /// <summary>
    /// Correlation block: for the 8 pixels whose inputs start at <paramref name="src"/>[j] and 16 output channels c,
    /// acc[j][c] = init[c] + Σ_i wt[16·i + c] · src[j][off[i]] over the table rows i of <paramref name="rows"/>
    /// (summed in that order; init 0 when <paramref name="init"/> is null), then max(·, 0) when <paramref name="relu"/>
    /// (NaN stays NaN); channel c's 8 pixels are stored at dst[c·ldd .. c·ldd + 8) for c &lt;
    /// <paramref name="channels"/> (added to what is there when <paramref name="add"/>).
    /// </summary>
    public static void Correlate(float** src, int* off, float* wt, in Segments rows, float* init, float* dst, nint ldd, int channels, bool add, bool relu, bool wide, bool halves)
    {
        if (wide)
        {
            Correlate512(src, off, wt, rows, init, null, dst, ldd, channels, add, relu);
        }
        else if (halves)
        {
            Correlate256Halves(src, off, wt, rows, init, null, dst, ldd, channels, add, relu);
        }
        else
        {
            Correlate256(src, off, wt, rows, init, null, dst, ldd, channels, add, relu);
        }
    }

    /// <summary>
    /// <see cref="Correlate"/> without the transpose: pixel j's 16 channels are stored (overwritten) at
    /// pixelDst[j][0 .. 16).
    /// </summary>
    public static void CorrelatePixels(float** src, int* off, float* wt, in Segments rows, float** pixelDst, bool wide, bool halves)
    {
        if (wide)
        {
            Correlate512(src, off, wt, rows, null, pixelDst, null, 0, Lanes, add: false, relu: false);
        }
        else if (halves)
        {
            Correlate256Halves(src, off, wt, rows, null, pixelDst, null, 0, Lanes, add: false, relu: false);
        }
        else
        {
            Correlate256(src, off, wt, rows, null, pixelDst, null, 0, Lanes, add: false, relu: false);
        }
    }

    /// <summary><see cref="Correlate"/> with 512-bit vectors: one per pixel, the broadcast folded into the FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate512(
        float** src, int* off, float* wt, in Segments rows, float* init, float** pixelDst, float* dst, nint ldd, int channels, bool add, bool relu)
    {
        float* s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3], s4 = src[4], s5 = src[5], s6 = src[6], s7 = src[7];
        Vector512<float> a0 = init == null ? Vector512<float>.Zero : Vector512.Load(init);
        Vector512<float> a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int count = rows.Count, length = rows.Length;
        for (int sg = 0; sg < count; sg++)
        {
            int* os = off + rows.Start + (sg * rows.Stride);
            float* w = wt + ((nint)(rows.Start + (sg * rows.Stride)) * Lanes);
            for (int i = 0; i < length; i++, w += Lanes)
            {
                nint o = os[i];
                Vector512<float> wv = Vector512.Load(w);
                a0 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s0[o]), a0);
                a1 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s1[o]), a1);
                a2 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s2[o]), a2);
                a3 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s3[o]), a3);
                a4 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s4[o]), a4);
                a5 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s5[o]), a5);
                a6 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s6[o]), a6);
                a7 = Vector512.FusedMultiplyAdd(wv, Vector512.Create(s7[o]), a7);
            }
        }

        if (pixelDst != null)
        {
            a0.Store(pixelDst[0]);
            a1.Store(pixelDst[1]);
            a2.Store(pixelDst[2]);
            a3.Store(pixelDst[3]);
            a4.Store(pixelDst[4]);
            a5.Store(pixelDst[5]);
            a6.Store(pixelDst[6]);
            a7.Store(pixelDst[7]);
            return;
        }

        Store16(a0, a1, a2, a3, a4, a5, a6, a7, dst, ldd, channels, add, relu);
    }

    /// <summary><see cref="Correlate"/> with 256-bit vectors: two per pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate256(
        float** src, int* off, float* wt, in Segments rows, float* init, float** pixelDst, float* dst, nint ldd, int channels, bool add, bool relu)
    {
        float* s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3], s4 = src[4], s5 = src[5], s6 = src[6], s7 = src[7];
        Vector256<float> i0 = init == null ? Vector256<float>.Zero : Avx.LoadVector256(init);
        Vector256<float> i1 = init == null ? Vector256<float>.Zero : Avx.LoadVector256(init + 8);
        Vector256<float> a00 = i0, a10 = i0, a20 = i0, a30 = i0, a40 = i0, a50 = i0, a60 = i0, a70 = i0;
        Vector256<float> a01 = i1, a11 = i1, a21 = i1, a31 = i1, a41 = i1, a51 = i1, a61 = i1, a71 = i1;
        int count = rows.Count, length = rows.Length;
        for (int sg = 0; sg < count; sg++)
        {
            int* os = off + rows.Start + (sg * rows.Stride);
            float* w = wt + ((nint)(rows.Start + (sg * rows.Stride)) * Lanes);
            for (int i = 0; i < length; i++, w += Lanes)
            {
                nint o = os[i];
                Vector256<float> w0 = Avx.LoadVector256(w);
                Vector256<float> w1 = Avx.LoadVector256(w + 8);
                Vector256<float> b = Avx.BroadcastScalarToVector256(s0 + o);
                a00 = Fma.MultiplyAdd(w0, b, a00);
                a01 = Fma.MultiplyAdd(w1, b, a01);
                b = Avx.BroadcastScalarToVector256(s1 + o);
                a10 = Fma.MultiplyAdd(w0, b, a10);
                a11 = Fma.MultiplyAdd(w1, b, a11);
                b = Avx.BroadcastScalarToVector256(s2 + o);
                a20 = Fma.MultiplyAdd(w0, b, a20);
                a21 = Fma.MultiplyAdd(w1, b, a21);
                b = Avx.BroadcastScalarToVector256(s3 + o);
                a30 = Fma.MultiplyAdd(w0, b, a30);
                a31 = Fma.MultiplyAdd(w1, b, a31);
                b = Avx.BroadcastScalarToVector256(s4 + o);
                a40 = Fma.MultiplyAdd(w0, b, a40);
                a41 = Fma.MultiplyAdd(w1, b, a41);
                b = Avx.BroadcastScalarToVector256(s5 + o);
                a50 = Fma.MultiplyAdd(w0, b, a50);
                a51 = Fma.MultiplyAdd(w1, b, a51);
                b = Avx.BroadcastScalarToVector256(s6 + o);
                a60 = Fma.MultiplyAdd(w0, b, a60);
                a61 = Fma.MultiplyAdd(w1, b, a61);
                b = Avx.BroadcastScalarToVector256(s7 + o);
                a70 = Fma.MultiplyAdd(w0, b, a70);
                a71 = Fma.MultiplyAdd(w1, b, a71);
            }
        }

        if (pixelDst != null)
        {
            StorePixel(pixelDst[0], a00, a01);
            StorePixel(pixelDst[1], a10, a11);
            StorePixel(pixelDst[2], a20, a21);
            StorePixel(pixelDst[3], a30, a31);
            StorePixel(pixelDst[4], a40, a41);
            StorePixel(pixelDst[5], a50, a51);
            StorePixel(pixelDst[6], a60, a61);
            StorePixel(pixelDst[7], a70, a71);
            return;
        }

        TransposeStore(a00, a10, a20, a30, a40, a50, a60, a70, dst, ldd, Math.Min(channels, 8), add, relu);
        if (channels > 8)
        {
            TransposeStore(a01, a11, a21, a31, a41, a51, a61, a71, dst + (8 * ldd), ldd, channels - 8, add, relu);
        }
    }

    /// <summary>
    /// <see cref="Correlate"/> with 256-bit vectors in two passes of 4 pixels (<see cref="CorrelateQuad"/>: 8
    /// accumulators, 11 registers, which fit the 16 of a host without AVX-512, where the one-pass form's 19 spill),
    /// through a pixel-major stack tile; the same sums in the same order, so the same bits.
    /// </summary>
    private static void Correlate256Halves(
        float** src, int* off, float* wt, in Segments rows, float* init, float** pixelDst, float* dst, nint ldd, int channels, bool add, bool relu)
    {
        float* tile = stackalloc float[Rows * Lanes];
        for (int j = 0; j < Rows; j++)
        {
            if (init == null)
            {
                new Span<float>(tile + (j * Lanes), Lanes).Clear();
            }
            else
            {
                new ReadOnlySpan<float>(init, Lanes).CopyTo(new Span<float>(tile + (j * Lanes), Lanes));
            }
        }

        // The table in chunks of at most ChunkRows rows (16 KiB), each run for both halves while it is in L1; the
        // accumulators go through the tile between chunks, so every sum keeps its order.
        int count = rows.Count, length = rows.Length;
        if (length <= ChunkRows)
        {
            int per = ChunkRows / Math.Max(1, length);
            for (int sg = 0; sg < count; sg += per)
            {
                var chunk = new Segments(rows.Start + (sg * rows.Stride), Math.Min(per, count - sg), length, rows.Stride);
                CorrelateQuad(src, off, wt, chunk, tile);
                CorrelateQuad(src + 4, off, wt, chunk, tile + (4 * Lanes));
            }
        }
        else
        {
            for (int sg = 0; sg < count; sg++)
            {
                for (int i = 0; i < length; i += ChunkRows)
                {
                    var chunk = new Segments(rows.Start + (sg * rows.Stride) + i, 1, Math.Min(ChunkRows, length - i), 0);
                    CorrelateQuad(src, off, wt, chunk, tile);
                    CorrelateQuad(src + 4, off, wt, chunk, tile + (4 * Lanes));
                }
            }
        }

        if (pixelDst != null)
        {
            for (int j = 0; j < Rows; j++)
            {
                StorePixel(pixelDst[j], Avx.LoadVector256(tile + (j * Lanes)), Avx.LoadVector256(tile + (j * Lanes) + 8));
            }

            return;
        }

        StoreTile(tile, dst, ldd, channels, add, relu);
    }

    /// <summary>
    /// Four pixels' share of <see cref="Correlate256Halves"/> over the table rows of <paramref name="rows"/>: pixel
    /// j's 16 accumulators start from tile[16·j ..] and are stored back there.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void CorrelateQuad(float** src, int* off, float* wt, in Segments rows, float* tile)
    {
        float* s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3];
        Vector256<float> a00 = Avx.LoadVector256(tile), a01 = Avx.LoadVector256(tile + 8);
        Vector256<float> a10 = Avx.LoadVector256(tile + Lanes), a11 = Avx.LoadVector256(tile + Lanes + 8);
        Vector256<float> a20 = Avx.LoadVector256(tile + (2 * Lanes)), a21 = Avx.LoadVector256(tile + (2 * Lanes) + 8);
        Vector256<float> a30 = Avx.LoadVector256(tile + (3 * Lanes)), a31 = Avx.LoadVector256(tile + (3 * Lanes) + 8);
        int count = rows.Count, length = rows.Length;
        for (int sg = 0; sg < count; sg++)
        {
            int* os = off + rows.Start + (sg * rows.Stride);
            float* w = wt + ((nint)(rows.Start + (sg * rows.Stride)) * Lanes);
            for (int i = 0; i < length; i++, w += Lanes)
            {
                nint o = os[i];
                Vector256<float> w0 = Avx.LoadVector256(w);
                Vector256<float> w1 = Avx.LoadVector256(w + 8);
                Vector256<float> b = Avx.BroadcastScalarToVector256(s0 + o);
                a00 = Fma.MultiplyAdd(w0, b, a00);
                a01 = Fma.MultiplyAdd(w1, b, a01);
                b = Avx.BroadcastScalarToVector256(s1 + o);
                a10 = Fma.MultiplyAdd(w0, b, a10);
                a11 = Fma.MultiplyAdd(w1, b, a11);
                b = Avx.BroadcastScalarToVector256(s2 + o);
                a20 = Fma.MultiplyAdd(w0, b, a20);
                a21 = Fma.MultiplyAdd(w1, b, a21);
                b = Avx.BroadcastScalarToVector256(s3 + o);
                a30 = Fma.MultiplyAdd(w0, b, a30);
                a31 = Fma.MultiplyAdd(w1, b, a31);
            }
        }

        StorePixel(tile, a00, a01);
        StorePixel(tile + Lanes, a10, a11);
        StorePixel(tile + (2 * Lanes), a20, a21);
        StorePixel(tile + (3 * Lanes), a30, a31);
    }

    /// <summary>
    /// Weight-gradient block: for the 8 weight rows whose inputs start at x + off[r] and 16 output channels c,
    /// acc[r][c] = Σ_{n &lt; images} Σ_{oh &lt; ho} Σ_{ow &lt; wo} dy[n·dy.Image + oh·dy.Row + 16·ow + c] ·
    /// x[off[r] + n·imgStride + oh·rowStride + ow·dy.XStep] (summed in that order); channel c's 8 rows are stored at
    /// dst[c·ldd .. c·ldd + 8) for c &lt; <paramref name="channels"/> (added to what is there when <paramref name="add"/>).
    /// </summary>
    public static void WeightGrad(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* dst, nint ldd, int channels, bool add, bool wide, bool halves)
    {
        if (wide)
        {
            WeightGrad512(x, off, imgStride, rowStride, dy, dst, ldd, channels, add);
        }
        else if (halves)
        {
            WeightGrad256Halves(x, off, imgStride, rowStride, dy, dst, ldd, channels, add);
        }
        else
        {
            WeightGrad256(x, off, imgStride, rowStride, dy, dst, ldd, channels, add);
        }
    }

    /// <summary><see cref="WeightGrad"/> with 512-bit vectors: one per weight row, the broadcast folded into the FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGrad512(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* dst, nint ldd, int channels, bool add)
    {
        float* x0 = x + off[0], x1 = x + off[1], x2 = x + off[2], x3 = x + off[3];
        float* x4 = x + off[4], x5 = x + off[5], x6 = x + off[6], x7 = x + off[7];
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        int images = dy.Images, ho = dy.Ho, wo = dy.Wo;
        nint step = dy.XStep;
        for (int n = 0; n < images; n++)
        {
            nint rowStart = n * imgStride;
            float* dRow = dy.Data + (n * dy.Image);
            for (int oh = 0; oh < ho; oh++, rowStart += rowStride, dRow += dy.Row)
            {
                float* d = dRow;
                for (nint q = rowStart, end = rowStart + (wo * step); q < end; q += step, d += Lanes)
                {
                    Vector512<float> v = Vector512.Load(d);
                    a0 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x0[q]), a0);
                    a1 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x1[q]), a1);
                    a2 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x2[q]), a2);
                    a3 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x3[q]), a3);
                    a4 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x4[q]), a4);
                    a5 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x5[q]), a5);
                    a6 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x6[q]), a6);
                    a7 = Vector512.FusedMultiplyAdd(v, Vector512.Create(x7[q]), a7);
                }
            }
        }

        Store16(a0, a1, a2, a3, a4, a5, a6, a7, dst, ldd, channels, add, relu: false);
    }

    /// <summary><see cref="WeightGrad"/> with 256-bit vectors: two per weight row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGrad256(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* dst, nint ldd, int channels, bool add)
    {
        float* x0 = x + off[0], x1 = x + off[1], x2 = x + off[2], x3 = x + off[3];
        float* x4 = x + off[4], x5 = x + off[5], x6 = x + off[6], x7 = x + off[7];
        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default, a40 = default, a50 = default, a60 = default, a70 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default, a41 = default, a51 = default, a61 = default, a71 = default;
        int images = dy.Images, ho = dy.Ho, wo = dy.Wo;
        nint step = dy.XStep;
        for (int n = 0; n < images; n++)
        {
            nint rowStart = n * imgStride;
            float* dRow = dy.Data + (n * dy.Image);
            for (int oh = 0; oh < ho; oh++, rowStart += rowStride, dRow += dy.Row)
            {
                float* d = dRow;
                for (nint q = rowStart, end = rowStart + (wo * step); q < end; q += step, d += Lanes)
                {
                    Vector256<float> d0 = Avx.LoadVector256(d);
                    Vector256<float> d1 = Avx.LoadVector256(d + 8);
                    Vector256<float> b = Avx.BroadcastScalarToVector256(x0 + q);
                    a00 = Fma.MultiplyAdd(d0, b, a00);
                    a01 = Fma.MultiplyAdd(d1, b, a01);
                    b = Avx.BroadcastScalarToVector256(x1 + q);
                    a10 = Fma.MultiplyAdd(d0, b, a10);
                    a11 = Fma.MultiplyAdd(d1, b, a11);
                    b = Avx.BroadcastScalarToVector256(x2 + q);
                    a20 = Fma.MultiplyAdd(d0, b, a20);
                    a21 = Fma.MultiplyAdd(d1, b, a21);
                    b = Avx.BroadcastScalarToVector256(x3 + q);
                    a30 = Fma.MultiplyAdd(d0, b, a30);
                    a31 = Fma.MultiplyAdd(d1, b, a31);
                    b = Avx.BroadcastScalarToVector256(x4 + q);
                    a40 = Fma.MultiplyAdd(d0, b, a40);
                    a41 = Fma.MultiplyAdd(d1, b, a41);
                    b = Avx.BroadcastScalarToVector256(x5 + q);
                    a50 = Fma.MultiplyAdd(d0, b, a50);
                    a51 = Fma.MultiplyAdd(d1, b, a51);
                    b = Avx.BroadcastScalarToVector256(x6 + q);
                    a60 = Fma.MultiplyAdd(d0, b, a60);
                    a61 = Fma.MultiplyAdd(d1, b, a61);
                    b = Avx.BroadcastScalarToVector256(x7 + q);
                    a70 = Fma.MultiplyAdd(d0, b, a70);
                    a71 = Fma.MultiplyAdd(d1, b, a71);
                }
            }
        }

        TransposeStore(a00, a10, a20, a30, a40, a50, a60, a70, dst, ldd, Math.Min(channels, 8), add, relu: false);
        if (channels > 8)
        {
            TransposeStore(a01, a11, a21, a31, a41, a51, a61, a71, dst + (8 * ldd), ldd, channels - 8, add, relu: false);
        }
    }

    /// <summary>
    /// <see cref="WeightGrad"/> with 256-bit vectors in two passes of 4 weight rows (<see cref="WeightGradQuad"/>, 11
    /// registers: see <see cref="Correlate256Halves"/>); the same sums in the same order.
    /// </summary>
    private static void WeightGrad256Halves(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* dst, nint ldd, int channels, bool add)
    {
        float* tile = stackalloc float[Rows * Lanes];
        WeightGradQuad(x, off, imgStride, rowStride, dy, tile);
        WeightGradQuad(x, off + 4, imgStride, rowStride, dy, tile + (4 * Lanes));
        StoreTile(tile, dst, ldd, channels, add, relu: false);
    }

    /// <summary>
    /// The half-pass weight-gradient block (<see cref="WeightGrad256Halves"/>) over the images of <paramref name="dy"/>
    /// only, its 8 × 16 sums kept pixel-major in <paramref name="carry"/> (row r's 16 channels at carry[16·r ..]) and,
    /// when <paramref name="resume"/>, continued from what is there: a caller that runs the images in chunks, resuming
    /// each block from its carry, performs the same FMAs in the same order as one call over all of them, so gets the
    /// same bits, while a chunk of dy stays in L2 across the blocks (the two passes would otherwise stream all of dy
    /// twice per block). Store the finished sums with <see cref="StoreCarry"/>.
    /// </summary>
    public static void WeightGradCarry(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* carry, bool resume)
    {
        WeightGradQuad(x, off, imgStride, rowStride, dy, carry, resume);
        WeightGradQuad(x, off + 4, imgStride, rowStride, dy, carry + (4 * Lanes), resume);
    }

    /// <summary>
    /// A finished <see cref="WeightGradCarry"/> block stored as <see cref="WeightGrad"/> stores its sums: channel c's 8
    /// weight rows at dst[c·ldd .. c·ldd + 8) for c &lt; <paramref name="channels"/>, added to what is there.
    /// </summary>
    public static void StoreCarry(float* carry, float* dst, nint ldd, int channels) => StoreTile(carry, dst, ldd, channels, add: true, relu: false);

    /// <summary>
    /// Four weight rows' share of <see cref="WeightGrad256Halves"/>: row r's 16 channels at tile[16·r ..], started from
    /// the tile's values when <paramref name="resume"/>, else from zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradQuad(float* x, int* off, nint imgStride, nint rowStride, in Grid dy, float* tile, bool resume = false)
    {
        float* x0 = x + off[0], x1 = x + off[1], x2 = x + off[2], x3 = x + off[3];
        Vector256<float> a00 = default, a10 = default, a20 = default, a30 = default;
        Vector256<float> a01 = default, a11 = default, a21 = default, a31 = default;
        if (resume)
        {
            a00 = Avx.LoadVector256(tile);
            a01 = Avx.LoadVector256(tile + 8);
            a10 = Avx.LoadVector256(tile + Lanes);
            a11 = Avx.LoadVector256(tile + Lanes + 8);
            a20 = Avx.LoadVector256(tile + (2 * Lanes));
            a21 = Avx.LoadVector256(tile + (2 * Lanes) + 8);
            a30 = Avx.LoadVector256(tile + (3 * Lanes));
            a31 = Avx.LoadVector256(tile + (3 * Lanes) + 8);
        }

        int images = dy.Images, ho = dy.Ho, wo = dy.Wo;
        nint step = dy.XStep;
        for (int n = 0; n < images; n++)
        {
            nint rowStart = n * imgStride;
            float* dRow = dy.Data + (n * dy.Image);
            for (int oh = 0; oh < ho; oh++, rowStart += rowStride, dRow += dy.Row)
            {
                float* d = dRow;
                for (nint q = rowStart, end = rowStart + (wo * step); q < end; q += step, d += Lanes)
                {
                    Vector256<float> d0 = Avx.LoadVector256(d);
                    Vector256<float> d1 = Avx.LoadVector256(d + 8);
                    Vector256<float> b = Avx.BroadcastScalarToVector256(x0 + q);
                    a00 = Fma.MultiplyAdd(d0, b, a00);
                    a01 = Fma.MultiplyAdd(d1, b, a01);
                    b = Avx.BroadcastScalarToVector256(x1 + q);
                    a10 = Fma.MultiplyAdd(d0, b, a10);
                    a11 = Fma.MultiplyAdd(d1, b, a11);
                    b = Avx.BroadcastScalarToVector256(x2 + q);
                    a20 = Fma.MultiplyAdd(d0, b, a20);
                    a21 = Fma.MultiplyAdd(d1, b, a21);
                    b = Avx.BroadcastScalarToVector256(x3 + q);
                    a30 = Fma.MultiplyAdd(d0, b, a30);
                    a31 = Fma.MultiplyAdd(d1, b, a31);
                }
            }
        }

        StorePixel(tile, a00, a01);
        StorePixel(tile + Lanes, a10, a11);
        StorePixel(tile + (2 * Lanes), a20, a21);
        StorePixel(tile + (3 * Lanes), a30, a31);
    }

    /// <summary>
    /// An 8 × 16 row-major tile (8 pixels or weight rows × 16 channels) stored as <see cref="TransposeStore"/> does:
    /// channel c's 8 rows at dst[c·ld .. c·ld + 8) for c &lt; <paramref name="channels"/>.
    /// </summary>
    private static void StoreTile(float* tile, float* dst, nint ld, int channels, bool add, bool relu)
    {
        TransposeStore(
            Avx.LoadVector256(tile), Avx.LoadVector256(tile + Lanes), Avx.LoadVector256(tile + (2 * Lanes)), Avx.LoadVector256(tile + (3 * Lanes)),
            Avx.LoadVector256(tile + (4 * Lanes)), Avx.LoadVector256(tile + (5 * Lanes)), Avx.LoadVector256(tile + (6 * Lanes)), Avx.LoadVector256(tile + (7 * Lanes)),
            dst, ld, Math.Min(channels, 8), add, relu);
        if (channels > 8)
        {
            float* hi = tile + 8;
            TransposeStore(
                Avx.LoadVector256(hi), Avx.LoadVector256(hi + Lanes), Avx.LoadVector256(hi + (2 * Lanes)), Avx.LoadVector256(hi + (3 * Lanes)),
                Avx.LoadVector256(hi + (4 * Lanes)), Avx.LoadVector256(hi + (5 * Lanes)), Avx.LoadVector256(hi + (6 * Lanes)), Avx.LoadVector256(hi + (7 * Lanes)),
                dst + (8 * ld), ld, channels - 8, add, relu);
        }
    }

    /// <summary>
    /// Stores the transpose of the 8×8 block whose rows are r0..r7: column c (r0[c], …, r7[c]), after max(0, ·)
    /// when <paramref name="relu"/> (NaN stays NaN), at dst[c·ld .. c·ld + 8) for c &lt; <paramref name="count"/>,
    /// added to what is there when <paramref name="add"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeStore(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, nint ld, int count, bool add, bool relu)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Store(dst, Avx.Permute2x128(s0, s4, 0x20), add, relu);
        if (count > 1)
        {
            Store(dst + ld, Avx.Permute2x128(s1, s5, 0x20), add, relu);
        }

        if (count > 2)
        {
            Store(dst + (2 * ld), Avx.Permute2x128(s2, s6, 0x20), add, relu);
        }

        if (count > 3)
        {
            Store(dst + (3 * ld), Avx.Permute2x128(s3, s7, 0x20), add, relu);
        }

        if (count > 4)
        {
            Store(dst + (4 * ld), Avx.Permute2x128(s0, s4, 0x31), add, relu);
        }

        if (count > 5)
        {
            Store(dst + (5 * ld), Avx.Permute2x128(s1, s5, 0x31), add, relu);
        }

        if (count > 6)
        {
            Store(dst + (6 * ld), Avx.Permute2x128(s2, s6, 0x31), add, relu);
        }

        if (count > 7)
        {
            Store(dst + (7 * ld), Avx.Permute2x128(s3, s7, 0x31), add, relu);
        }
    }

    /// <summary>
    /// Which rows of a weight table a <see cref="Correlate"/> block sums: <see cref="Count"/> runs of
    /// <see cref="Length"/> rows, run s starting at row <see cref="Start"/> + s·<see cref="Stride"/> (the kernel rows
    /// ky' ∈ [ky0, ky1) and columns kx' ∈ [kx0, kx1) of a (ky', kx', channel)-ordered table).
    /// </summary>
    internal readonly struct Segments
    {
        public Segments(int start, int count, int length, int stride)
        {
            Start = start;
            Count = count;
            Length = length;
            Stride = stride;
        }

        public int Start { get; }

        public int Count { get; }

        public int Length { get; }

        public int Stride { get; }

        /// <summary>All <paramref name="rows"/> rows in one run.</summary>
        public static Segments All(int rows) => new(0, 1, rows, 0);
    }

    /// <summary>
    /// dy laid out for <see cref="WeightGrad"/>: 16 channels per pixel; output (n, oh, ow) at
    /// Data + n·Image + oh·Row + 16·ow; and the column stride of x, <see cref="XStep"/>.
    /// </summary>
    internal readonly struct Grid
    {
        public Grid(float* data, nint image, nint row, int images, int ho, int wo, nint xStep = 1)
        {
            Data = data;
            Image = image;
            Row = row;
            Images = images;
            Ho = ho;
            Wo = wo;
            XStep = xStep;
        }

        /// <summary>Floats between the inputs x of consecutive output columns (the column stride of the convolution).</summary>
        public nint XStep { get; }

        public float* Data { get; }

        public nint Image { get; }

        public nint Row { get; }

        public int Images { get; }

        public int Ho { get; }

        public int Wo { get; }
    }

    /// <summary>
    /// Transposes the 8×8 block src[r·ldSrc + c] (r, c &lt; 8) into dst[c·ldDst + r] (added to what is there when
    /// <paramref name="add"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(float* src, nint ldSrc, float* dst, nint ldDst, bool add) =>
        TransposeStore(
            Avx.LoadVector256(src), Avx.LoadVector256(src + ldSrc), Avx.LoadVector256(src + (2 * ldSrc)), Avx.LoadVector256(src + (3 * ldSrc)),
            Avx.LoadVector256(src + (4 * ldSrc)), Avx.LoadVector256(src + (5 * ldSrc)), Avx.LoadVector256(src + (6 * ldSrc)), Avx.LoadVector256(src + (7 * ldSrc)),
            dst, ldDst, 8, add, relu: false);

    /// <summary>
    /// The 16 channels × 8 rows of eight 512-bit accumulators (one per row) stored as <see cref="TransposeStore"/>
    /// does: channel c's 8 rows at dst[c·ld .. c·ld + 8) for c &lt; <paramref name="channels"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store16(
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, float* dst, nint ld, int channels, bool add, bool relu)
    {
        TransposeStore(
            a0.GetLower(), a1.GetLower(), a2.GetLower(), a3.GetLower(), a4.GetLower(), a5.GetLower(), a6.GetLower(), a7.GetLower(),
            dst, ld, Math.Min(channels, 8), add, relu);
        if (channels > 8)
        {
            TransposeStore(
                a0.GetUpper(), a1.GetUpper(), a2.GetUpper(), a3.GetUpper(), a4.GetUpper(), a5.GetUpper(), a6.GetUpper(), a7.GetUpper(),
                dst + (8 * ld), ld, channels - 8, add, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePixel(float* dst, Vector256<float> lo, Vector256<float> hi)
    {
        Avx.Store(dst, lo);
        Avx.Store(dst + 8, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* dst, Vector256<float> v, bool add, bool relu)
    {
        if (relu)
        {
            // max(0, v) keeps NaN (the second operand is returned when either is NaN).
            v = Avx.Max(Vector256<float>.Zero, v);
        }

        Avx.Store(dst, add ? Avx.Add(Avx.LoadVector256(dst), v) : v);
    }
}
