using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The weight gradient of <see cref="ConvImplicit"/> for one image, straight from its views and dy on the grid
/// (no packing): dw[co, ci, tap] += Σ_q dy[co, q] · V[ci, q + offset(tap)] (dy is zero where there is no output).
/// </summary>
/// <remarks>
/// Blocks of 4 output channels × 3 (input channel, tap) pairs in ci-major order (they may straddle channels, so a
/// 1×7 or 7×1 kernel computes no padded taps), each with 12 vector accumulators reduced by a horizontal-add tree
/// at the end of the call; output-channel blocks are the outer loop so their dy rows stay in cache while the view
/// planes stream past. The pair offsets come from a table made once per image (no divisions per block). Cutting
/// the grid into L1-sized blocks was measured slower at 53×53 and 105×105 (shorter streams), so the whole grid is
/// one block.
/// </remarks>
internal static unsafe class ConvImplicitWeightGrad
{
    /// <summary>Per thread, for jn pairs: pair j's view offset at [j], its dw index (ci·taps + tap) at [jn + j].</summary>
    [ThreadStatic]
    private static int[]? t_offsets;

    /// <summary>dw [Cout, Cin·kh·kw] (the weight's own layout) += this image's weight gradient.</summary>
    public static void Image(float* v, float* dyg, float* dw, in ConvImplicit.Layout l, in ConvGeometry g)
    {
        int taps = g.Kh * g.Kw, jn = g.Cin * taps, q = l.Qv;
        int[] offsets = t_offsets is { } cached && cached.Length >= 2 * jn ? cached : (t_offsets = new int[2 * jn]);
        for (int j = 0; j < jn; j++)
        {
            int t = j % taps;
            offsets[j] = ((j / taps) * l.ViewPlane) + l.Offset(t / g.Kw, t % g.Kw);
            offsets[jn + j] = j;
        }

        fixed (int* off = offsets)
        {
            Accumulate(v, dyg, dw, off, off + jn, jn, jn, q, g.Cout);
        }
    }

    /// <summary>Floats of scratch <see cref="ImageByColumns"/> needs: one column-shifted copy of the image and dy on the grid.</summary>
    public static int ColumnsScratch(in ConvGeometry g) =>
        (g.Cin * ConvImplicitBanded.ChannelStride((g.Ho + g.Kh - 1) * g.Wo)) + 8 + (g.Cout * ((g.P + 7) & ~7));

    /// <summary>
    /// Stride 1: dw [Cout, Cin·kh·kw] += this image's weight gradient from one column-shifted copy of the padded image
    /// at a time (copy kx [Cin, Ho + kh − 1, Wo], read at row ky by tap (ky, kx)) and dy itself: no output column is
    /// wasted (unlike the wide grid) and only one copy is live.
    /// </summary>
    public static void ImageByColumns(float* x, float* gy, float* dw, float* s, in ConvGeometry g)
    {
        int hp = g.Ho + g.Kh - 1, used = hp * g.Wo, plane = ConvImplicitBanded.ChannelStride(used), copyLen = g.Cin * plane;
        int q = (g.P + 7) & ~7;
        int taps = g.Kh * g.Kw, jn = g.Cin * g.Kh;
        float* dyg = s + copyLen + 8;
        for (int co = 0; co < g.Cout; co++)
        {
            float* dst = dyg + ((long)co * q);
            new ReadOnlySpan<float>(gy + ((long)co * g.P), g.P).CopyTo(new Span<float>(dst, g.P));
            new Span<float>(dst + g.P, q - g.P).Clear();
        }

        // Whole-vector reads run up to 7 floats past each channel's rows (against zero dy): the gaps between
        // channels and the slack after the last one must hold finite values.
        new Span<float>(s + copyLen, 8).Clear();
        for (int ci = 0; ci < g.Cin; ci++)
        {
            new Span<float>(s + ((long)ci * plane) + used, plane - used).Clear();
        }

        int[] table = t_offsets is { } cached && cached.Length >= 2 * jn ? cached : (t_offsets = new int[2 * jn]);
        fixed (int* tab = table)
        {
            for (int kx = 0; kx < g.Kw; kx++)
            {
                ConvImplicitBanded.ShiftedRows(x, g.Cin, g.H, g.W, -g.PadTop, kx - g.PadLeft, hp, g.Wo, plane, s);
                for (int j = 0; j < jn; j++)
                {
                    int ci = j / g.Kh, ky = j % g.Kh;
                    tab[j] = (ci * plane) + (ky * g.Wo);
                    tab[jn + j] = (ci * taps) + (ky * g.Kw) + kx;
                }

                Accumulate(s, dyg, dw, tab, tab + jn, jn, g.Cin * taps, q, g.Cout);
            }
        }
    }

    /// <summary>
    /// dw[co, idx[j]] += Σ_q dy[co, q] · v[off[j] + q] for pairs j &lt; <paramref name="jn"/> (rows of dw are
    /// <paramref name="dwRow"/> floats), in blocks of 4 output channels × 3 pairs.
    /// </summary>
    private static void Accumulate(float* v, float* dyg, float* dw, int* off, int* idx, int jn, int dwRow, int q, int cout)
    {
        float* sums = stackalloc float[16];
        int nvec = q / 8;
        for (int c = 0; c < cout; c += 4)
        {
            // Missing channels of a ragged last block repeat the last one; their sums are dropped.
            int last = cout - 1;
            float* d0 = dyg + ((long)c * q);
            float* d1 = dyg + ((long)Math.Min(c + 1, last) * q);
            float* d2 = dyg + ((long)Math.Min(c + 2, last) * q);
            float* d3 = dyg + ((long)Math.Min(c + 3, last) * q);
            int rows = Math.Min(4, cout - c);
            float* dwc = dw + ((long)c * dwRow);
            for (int j = 0; j < jn; j += 3)
            {
                // The last triple repeats its last pair where jn is not a multiple of 3.
                int pairs = Math.Min(3, jn - j);
                int o1 = off[j + Math.Min(1, pairs - 1)], o2 = off[j + pairs - 1];
                Block(d0, d1, d2, d3, v, nvec, off[j], o1, o2, sums);
                for (int r = 0; r < rows; r++)
                {
                    float* dst = dwc + ((long)r * dwRow);
                    for (int k = 0; k < pairs; k++)
                    {
                        dst[idx[j + k]] += sums[(r * 3) + k];
                    }
                }
            }
        }
    }

    /// <summary>
    /// sums[r·3 + k] = Σ_{s &lt; nvec} dr[8s..8s+8) · x[o_k + 8s..8s+8) for the 4 dy rows r and 3 view offsets
    /// o_k (16 floats of <paramref name="sums"/> are written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(float* d0, float* d1, float* d2, float* d3, float* x, int nvec, int t0, int t1, int t2, float* sums)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        float* x0 = x + t0, x1 = x + t1, x2 = x + t2;
        for (nint o = 0, end = (nint)nvec * 8; o < end; o += 8)
        {
            Vector256<float> v0 = Avx.LoadVector256(x0 + o);
            Vector256<float> v1 = Avx.LoadVector256(x1 + o);
            Vector256<float> v2 = Avx.LoadVector256(x2 + o);
            Vector256<float> g = Avx.LoadVector256(d0 + o);
            a00 = Fma.MultiplyAdd(v0, g, a00);
            a01 = Fma.MultiplyAdd(v1, g, a01);
            a02 = Fma.MultiplyAdd(v2, g, a02);
            g = Avx.LoadVector256(d1 + o);
            a10 = Fma.MultiplyAdd(v0, g, a10);
            a11 = Fma.MultiplyAdd(v1, g, a11);
            a12 = Fma.MultiplyAdd(v2, g, a12);
            g = Avx.LoadVector256(d2 + o);
            a20 = Fma.MultiplyAdd(v0, g, a20);
            a21 = Fma.MultiplyAdd(v1, g, a21);
            a22 = Fma.MultiplyAdd(v2, g, a22);
            g = Avx.LoadVector256(d3 + o);
            a30 = Fma.MultiplyAdd(v0, g, a30);
            a31 = Fma.MultiplyAdd(v1, g, a31);
            a32 = Fma.MultiplyAdd(v2, g, a32);
        }

        // hadd(hadd(a, b), hadd(c, d)) holds the four sums of a, b, c, d split over its two 128-bit lanes.
        Avx.Store(sums, Reduce4(a00, a01, a02, a10));
        Avx.Store(sums + 4, Reduce4(a11, a12, a20, a21));
        Avx.Store(sums + 8, Reduce4(a22, a30, a31, a32));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        Vector256<float> h = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return Sse.Add(h.GetLower(), h.GetUpper());
    }
}
