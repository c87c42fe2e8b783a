using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Average pooling with 2×2 windows and stride 2 where every window lies inside the plane (no padding), the
/// common down-sampling step: y = ((x00 + x10) + (x01 + x11)) · ¼, vectorised with AVX (8 and 4 outputs at a time).
/// The backward pass adds gy·¼ to the four cells of each window.
/// </summary>
internal static unsafe class PoolAvg2x2
{
    /// <summary>Whether <paramref name="g"/> is a full-window 2×2 stride-2 pooling (and AVX is available).</summary>
    public static bool Applies(in ConvGeometry g) =>
        g.Kh == 2 && g.Kw == 2 && g.Sh == 2 && g.Sw == 2 && g.PadTop == 0 && g.PadLeft == 0 &&
        2 * g.Ho <= g.H && 2 * g.Wo <= g.W && Avx2.IsSupported;

    /// <summary>Planes [p0, p1): y = mean of each 2×2 window.</summary>
    public static void Forward(float* x, float* y, in ConvGeometry g, int p0, int p1)
    {
        int w = g.W, wo = g.Wo;
        var quarter = Vector256.Create(0.25f);
        for (int p = p0; p < p1; p++)
        {
            float* xp = x + ((long)p * g.HW);
            float* yp = y + ((long)p * g.P);
            for (int oh = 0; oh < g.Ho; oh++, yp += wo)
            {
                float* r0 = xp + (2 * oh * w), r1 = r0 + w;
                int ow = 0;
                for (; ow + 8 <= wo; ow += 8)
                {
                    Vector256<float> a = Avx.Add(Avx.LoadVector256(r0 + (2 * ow)), Avx.LoadVector256(r1 + (2 * ow)));
                    Vector256<float> b = Avx.Add(Avx.LoadVector256(r0 + (2 * ow) + 8), Avx.LoadVector256(r1 + (2 * ow) + 8));
                    Vector256<float> h = Avx.HorizontalAdd(a, b); // a01 a23 b01 b23 | a45 a67 b45 b67
                    h = Avx2.Permute4x64(h.AsDouble(), 0b11_01_10_00).AsSingle();
                    Avx.Store(yp + ow, Avx.Multiply(h, quarter));
                }

                for (; ow + 4 <= wo; ow += 4)
                {
                    Vector128<float> a = Sse.Add(Sse.LoadVector128(r0 + (2 * ow)), Sse.LoadVector128(r1 + (2 * ow)));
                    Vector128<float> b = Sse.Add(Sse.LoadVector128(r0 + (2 * ow) + 4), Sse.LoadVector128(r1 + (2 * ow) + 4));
                    Sse.Store(yp + ow, Sse.Multiply(Sse3.HorizontalAdd(a, b), Vector128.Create(0.25f)));
                }

                for (; ow < wo; ow++)
                {
                    yp[ow] = ((r0[2 * ow] + r1[2 * ow]) + (r0[(2 * ow) + 1] + r1[(2 * ow) + 1])) * 0.25f;
                }
            }
        }
    }

    /// <summary>Planes [p0, p1): gx (+)= gy·¼ spread over each window.</summary>
    public static void Backward(float* gy, float* gx, in ConvGeometry g, int p0, int p1)
    {
        int w = g.W, wo = g.Wo;
        for (int p = p0; p < p1; p++)
        {
            float* gxp = gx + ((long)p * g.HW);
            float* gyp = gy + ((long)p * g.P);
            for (int oh = 0; oh < g.Ho; oh++, gyp += wo)
            {
                float* r0 = gxp + (2 * oh * w), r1 = r0 + w;
                int ow = 0;
                for (; ow + 4 <= wo; ow += 4)
                {
                    Vector128<float> v = Sse.Multiply(Sse.LoadVector128(gyp + ow), Vector128.Create(0.25f));
                    Vector256<float> d = Vector256.Create(Sse.UnpackLow(v, v), Sse.UnpackHigh(v, v));
                    Avx.Store(r0 + (2 * ow), Avx.Add(Avx.LoadVector256(r0 + (2 * ow)), d));
                    Avx.Store(r1 + (2 * ow), Avx.Add(Avx.LoadVector256(r1 + (2 * ow)), d));
                }

                for (; ow < wo; ow++)
                {
                    float v = gyp[ow] * 0.25f;
                    r0[2 * ow] += v;
                    r0[(2 * ow) + 1] += v;
                    r1[2 * ow] += v;
                    r1[(2 * ow) + 1] += v;
                }
            }
        }
    }
}
