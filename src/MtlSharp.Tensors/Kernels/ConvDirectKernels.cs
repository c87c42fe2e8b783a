using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The register-blocked AVX2/FMA inner loops of <see cref="ConvDirect"/>: 4 channels × 3 vectors of 8 positions
/// (12 accumulators) per block, and for the input gradient of a lone input channel 1 channel × 12 vectors. Loads of
/// the padded planes may reach into their zeroed slack, never past it.
/// </summary>
internal static unsafe class ConvDirectKernels
{
    /// <summary>
    /// Forward block: for output channels c..c+3 and the 3 segments at plane offsets x0..x2,
    /// acc[j][u] = bias[j] + Σ_ci Σ_tap wb[(ci·taps + tap)·4 + j] · xp[ci·lx + tapOff[tap] + xu];
    /// segment u is stored (after max(·, 0) when <paramref name="relu"/>; NaN stays NaN) at y[j] + yu when u &lt; <paramref name="valid"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        float* xp, int cin, int lx, int* tapOff, int taps, float* wb, float* bias,
        int x0, int x1, int x2, float* y0, float* y1, float* y2, float* y3, int o0, int o1, int o2, int valid, bool relu)
    {
        Vector256<float> a00 = Avx.BroadcastScalarToVector256(bias), a01 = a00, a02 = a00;
        Vector256<float> a10 = Avx.BroadcastScalarToVector256(bias + 1), a11 = a10, a12 = a10;
        Vector256<float> a20 = Avx.BroadcastScalarToVector256(bias + 2), a21 = a20, a22 = a20;
        Vector256<float> a30 = Avx.BroadcastScalarToVector256(bias + 3), a31 = a30, a32 = a30;
        float* w = wb;
        for (int ci = 0; ci < cin; ci++)
        {
            float* xc = xp + ((nint)ci * lx);
            for (int t = 0; t < taps; t++, w += 4)
            {
                float* p = xc + tapOff[t];
                Vector256<float> v0 = Avx.LoadVector256(p + x0);
                Vector256<float> v1 = Avx.LoadVector256(p + x1);
                Vector256<float> v2 = Avx.LoadVector256(p + x2);
                Vector256<float> b = Avx.BroadcastScalarToVector256(w);
                a00 = Fma.MultiplyAdd(v0, b, a00);
                a01 = Fma.MultiplyAdd(v1, b, a01);
                a02 = Fma.MultiplyAdd(v2, b, a02);
                b = Avx.BroadcastScalarToVector256(w + 1);
                a10 = Fma.MultiplyAdd(v0, b, a10);
                a11 = Fma.MultiplyAdd(v1, b, a11);
                a12 = Fma.MultiplyAdd(v2, b, a12);
                b = Avx.BroadcastScalarToVector256(w + 2);
                a20 = Fma.MultiplyAdd(v0, b, a20);
                a21 = Fma.MultiplyAdd(v1, b, a21);
                a22 = Fma.MultiplyAdd(v2, b, a22);
                b = Avx.BroadcastScalarToVector256(w + 3);
                a30 = Fma.MultiplyAdd(v0, b, a30);
                a31 = Fma.MultiplyAdd(v1, b, a31);
                a32 = Fma.MultiplyAdd(v2, b, a32);
            }
        }

        if (relu)
        {
            Vector256<float> z = Vector256<float>.Zero;
            a00 = Avx.Max(z, a00);
            a01 = Avx.Max(z, a01);
            a02 = Avx.Max(z, a02);
            a10 = Avx.Max(z, a10);
            a11 = Avx.Max(z, a11);
            a12 = Avx.Max(z, a12);
            a20 = Avx.Max(z, a20);
            a21 = Avx.Max(z, a21);
            a22 = Avx.Max(z, a22);
            a30 = Avx.Max(z, a30);
            a31 = Avx.Max(z, a31);
            a32 = Avx.Max(z, a32);
        }

        Avx.Store(y0 + o0, a00);
        Avx.Store(y1 + o0, a10);
        Avx.Store(y2 + o0, a20);
        Avx.Store(y3 + o0, a30);
        if (valid > 1)
        {
            Avx.Store(y0 + o1, a01);
            Avx.Store(y1 + o1, a11);
            Avx.Store(y2 + o1, a21);
            Avx.Store(y3 + o1, a31);
        }

        if (valid > 2)
        {
            Avx.Store(y0 + o2, a02);
            Avx.Store(y1 + o2, a12);
            Avx.Store(y2 + o2, a22);
            Avx.Store(y3 + o2, a32);
        }
    }

    /// <summary>
    /// Input-gradient block (a full correlation with the flipped kernel): for input channels c..c+3 and the 3
    /// vectors at padded-plane offsets p0..p2, acc[j][u] = Σ_co Σ_tap wd[(co·taps + tap)·4 + j] · dyp[co·ld + f − tapOff[tap] + pu],
    /// stored (overwritten) at dx[j·ldx + pu].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGrad(float* dyp, int cout, int ld, int f, int* tapOff, int taps, float* wd, int p0, float* dx, int ldx)
    {
        Vector256<float> a00 = Vector256<float>.Zero, a01 = a00, a02 = a00;
        Vector256<float> a10 = a00, a11 = a00, a12 = a00;
        Vector256<float> a20 = a00, a21 = a00, a22 = a00;
        Vector256<float> a30 = a00, a31 = a00, a32 = a00;
        float* w = wd;
        for (int co = 0; co < cout; co++)
        {
            float* dc = dyp + ((nint)co * ld) + f + p0;
            for (int t = 0; t < taps; t++, w += 4)
            {
                float* p = dc - tapOff[t];
                Vector256<float> v0 = Avx.LoadVector256(p);
                Vector256<float> v1 = Avx.LoadVector256(p + 8);
                Vector256<float> v2 = Avx.LoadVector256(p + 16);
                Vector256<float> b = Avx.BroadcastScalarToVector256(w);
                a00 = Fma.MultiplyAdd(v0, b, a00);
                a01 = Fma.MultiplyAdd(v1, b, a01);
                a02 = Fma.MultiplyAdd(v2, b, a02);
                b = Avx.BroadcastScalarToVector256(w + 1);
                a10 = Fma.MultiplyAdd(v0, b, a10);
                a11 = Fma.MultiplyAdd(v1, b, a11);
                a12 = Fma.MultiplyAdd(v2, b, a12);
                b = Avx.BroadcastScalarToVector256(w + 2);
                a20 = Fma.MultiplyAdd(v0, b, a20);
                a21 = Fma.MultiplyAdd(v1, b, a21);
                a22 = Fma.MultiplyAdd(v2, b, a22);
                b = Avx.BroadcastScalarToVector256(w + 3);
                a30 = Fma.MultiplyAdd(v0, b, a30);
                a31 = Fma.MultiplyAdd(v1, b, a31);
                a32 = Fma.MultiplyAdd(v2, b, a32);
            }
        }

        float* d = dx + p0;
        Avx.Store(d, a00);
        Avx.Store(d + 8, a01);
        Avx.Store(d + 16, a02);
        d += ldx;
        Avx.Store(d, a10);
        Avx.Store(d + 8, a11);
        Avx.Store(d + 16, a12);
        d += ldx;
        Avx.Store(d, a20);
        Avx.Store(d + 8, a21);
        Avx.Store(d + 16, a22);
        d += ldx;
        Avx.Store(d, a30);
        Avx.Store(d + 8, a31);
        Avx.Store(d + 16, a32);
    }

    /// <summary>Vectors of 8 positions per block of <see cref="InputGradSingle"/>.</summary>
    public const int SingleVectors = 12;

    /// <summary>
    /// <see cref="InputGrad"/> for one input channel (the last of a channel count 4k + 1, such as a grayscale
    /// image's): 12 vectors at padded-plane offsets p0 + 8u, acc[u] = Σ_co Σ_tap wd[(co·taps + tap)·4] ·
    /// dyp[co·ld + f − tapOff[tap] + p0 + 8u], stored (overwritten) at dx[p0 + 8u]. Where the 4-channel block would
    /// spend three quarters of its multiply-adds on padded channels, this one spends all 12 on the real one; each
    /// element is summed in the same order with the same operands, so the bits are those of <see cref="InputGrad"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradSingle(float* dyp, int cout, int ld, int f, int* tapOff, int taps, float* wd, int p0, float* dx)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        float* w = wd;
        for (int co = 0; co < cout; co++)
        {
            float* dc = dyp + ((nint)co * ld) + f + p0;
            for (int t = 0; t < taps; t++, w += 4)
            {
                float* p = dc - tapOff[t];
                Vector256<float> b = Avx.BroadcastScalarToVector256(w);
                a0 = Fma.MultiplyAdd(Avx.LoadVector256(p), b, a0);
                a1 = Fma.MultiplyAdd(Avx.LoadVector256(p + 8), b, a1);
                a2 = Fma.MultiplyAdd(Avx.LoadVector256(p + 16), b, a2);
                a3 = Fma.MultiplyAdd(Avx.LoadVector256(p + 24), b, a3);
                a4 = Fma.MultiplyAdd(Avx.LoadVector256(p + 32), b, a4);
                a5 = Fma.MultiplyAdd(Avx.LoadVector256(p + 40), b, a5);
                a6 = Fma.MultiplyAdd(Avx.LoadVector256(p + 48), b, a6);
                a7 = Fma.MultiplyAdd(Avx.LoadVector256(p + 56), b, a7);
                a8 = Fma.MultiplyAdd(Avx.LoadVector256(p + 64), b, a8);
                a9 = Fma.MultiplyAdd(Avx.LoadVector256(p + 72), b, a9);
                a10 = Fma.MultiplyAdd(Avx.LoadVector256(p + 80), b, a10);
                a11 = Fma.MultiplyAdd(Avx.LoadVector256(p + 88), b, a11);
            }
        }

        float* d = dx + p0;
        Avx.Store(d, a0);
        Avx.Store(d + 8, a1);
        Avx.Store(d + 16, a2);
        Avx.Store(d + 24, a3);
        Avx.Store(d + 32, a4);
        Avx.Store(d + 40, a5);
        Avx.Store(d + 48, a6);
        Avx.Store(d + 56, a7);
        Avx.Store(d + 64, a8);
        Avx.Store(d + 72, a9);
        Avx.Store(d + 80, a10);
        Avx.Store(d + 88, a11);
    }

    /// <summary>
    /// Weight-gradient block for output channels c..c+3 (gradient planes <paramref name="d0"/>..<paramref name="d3"/>
    /// of one image), one input plane <paramref name="x"/> and 3 taps (plane offsets t0..t2): acc[j][u] += Σ_segments
    /// dy_j[yo] · x[xo + tu], the 12 vector accumulators kept in <paramref name="acc"/> (96 floats) between images.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WeightGrad(float* d0, float* d1, float* d2, float* d3, float* x, in ConvDirect.Plan plan, int t0, int t1, int t2, float* acc) =>
        WeightGrad(
            d0, d1, d2, d3, x, plan.RowMode ? plan.Ho : 1, plan.RowMode ? plan.Vpr : plan.Nseg,
            plan.RowMode ? plan.Wp : 0, plan.RowMode ? plan.Wo : 0, t0, t1, t2, acc);

    /// <summary>
    /// The weight-gradient block over <paramref name="rows"/> rows of <paramref name="perRow"/> segments of 8
    /// positions: row r reads x at r·<paramref name="rowX"/> and dy at r·<paramref name="rowY"/> (one flat row of
    /// segments when rows = 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGrad(float* d0, float* d1, float* d2, float* d3, float* x, int rows, int perRow, int rowX, int rowY, int t0, int t1, int t2, float* acc)
    {
        Vector256<float> a00 = Avx.LoadVector256(acc), a01 = Avx.LoadVector256(acc + 8), a02 = Avx.LoadVector256(acc + 16);
        Vector256<float> a10 = Avx.LoadVector256(acc + 24), a11 = Avx.LoadVector256(acc + 32), a12 = Avx.LoadVector256(acc + 40);
        Vector256<float> a20 = Avx.LoadVector256(acc + 48), a21 = Avx.LoadVector256(acc + 56), a22 = Avx.LoadVector256(acc + 64);
        Vector256<float> a30 = Avx.LoadVector256(acc + 72), a31 = Avx.LoadVector256(acc + 80), a32 = Avx.LoadVector256(acc + 88);
        for (int r = 0; r < rows; r++)
        {
            float* xr = x + ((nint)r * rowX);
            nint yr = (nint)r * rowY;
            for (int s = 0; s < perRow; s++)
            {
                nint o = s * 8;
                Vector256<float> v0 = Avx.LoadVector256(xr + o + t0);
                Vector256<float> v1 = Avx.LoadVector256(xr + o + t1);
                Vector256<float> v2 = Avx.LoadVector256(xr + o + t2);
                Vector256<float> g = Avx.LoadVector256(d0 + yr + o);
                a00 = Fma.MultiplyAdd(v0, g, a00);
                a01 = Fma.MultiplyAdd(v1, g, a01);
                a02 = Fma.MultiplyAdd(v2, g, a02);
                g = Avx.LoadVector256(d1 + yr + o);
                a10 = Fma.MultiplyAdd(v0, g, a10);
                a11 = Fma.MultiplyAdd(v1, g, a11);
                a12 = Fma.MultiplyAdd(v2, g, a12);
                g = Avx.LoadVector256(d2 + yr + o);
                a20 = Fma.MultiplyAdd(v0, g, a20);
                a21 = Fma.MultiplyAdd(v1, g, a21);
                a22 = Fma.MultiplyAdd(v2, g, a22);
                g = Avx.LoadVector256(d3 + yr + o);
                a30 = Fma.MultiplyAdd(v0, g, a30);
                a31 = Fma.MultiplyAdd(v1, g, a31);
                a32 = Fma.MultiplyAdd(v2, g, a32);
            }
        }

        Avx.Store(acc, a00);
        Avx.Store(acc + 8, a01);
        Avx.Store(acc + 16, a02);
        Avx.Store(acc + 24, a10);
        Avx.Store(acc + 32, a11);
        Avx.Store(acc + 40, a12);
        Avx.Store(acc + 48, a20);
        Avx.Store(acc + 56, a21);
        Avx.Store(acc + 64, a22);
        Avx.Store(acc + 72, a30);
        Avx.Store(acc + 80, a31);
        Avx.Store(acc + 88, a32);
    }

    /// <summary>
    /// dst[0, len) = src[0, len) for short rows (no call overhead; the two must not overlap). A ragged end of a row
    /// of at least 8 floats is copied as its last 8 floats, overlapping the vector before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow(float* src, float* dst, int len)
    {
        int i = 0;
        for (; i <= len - 8; i += 8)
        {
            Avx.Store(dst + i, Avx.LoadVector256(src + i));
        }

        if (i < len && len >= 8)
        {
            Avx.Store(dst + len - 8, Avx.LoadVector256(src + len - 8));
            return;
        }

        for (; i < len; i++)
        {
            dst[i] = src[i];
        }
    }

    /// <summary>dst[0, len) += src[0, len) for short rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddRow(float* src, float* dst, int len)
    {
        int i = 0;
        for (; i <= len - 8; i += 8)
        {
            Avx.Store(dst + i, Avx.Add(Avx.LoadVector256(dst + i), Avx.LoadVector256(src + i)));
        }

        for (; i < len; i++)
        {
            dst[i] += src[i];
        }
    }
}
