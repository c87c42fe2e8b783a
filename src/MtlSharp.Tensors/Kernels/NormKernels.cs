using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Fused Vector256 (+FMA) loops for the normalisation ops (LayerNorm, GroupNorm), each in a fixed order (the same
/// bits on every host with 256-bit vectors, whatever its widest vector) with a scalar tail that is also the fallback on
/// hardware without 256-bit vectors. Every reduction subtracts the mean before multiplying, so no Σx² − n·m²
/// cancellation occurs.
/// </summary>
internal static class NormKernels
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Fmadd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>Σ x accumulated in double (a float sum of tens of thousands of values loses ~1e-5 relative).</summary>
    public static double SumWide(ReadOnlySpan<float> x)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref px, (nuint)i));
                acc0 += lo;
                acc1 += hi;
            }

            s = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            s += Unsafe.Add(ref px, i);
        }

        return s;
    }

    /// <summary>Σ (x − m)² accumulated in double.</summary>
    public static double SumSquaredCenteredWide(ReadOnlySpan<float> x, double m)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref px, (nuint)i));
                var d0 = lo - vm;
                var d1 = hi - vm;
                acc0 = Fmadd(d0, d0, acc0);
                acc1 = Fmadd(d1, d1, acc1);
            }

            s = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            double d = Unsafe.Add(ref px, i) - m;
            s += d * d;
        }

        return s;
    }

    /// <summary>Σ (x − m)².</summary>
    public static float SumSquaredCentered(ReadOnlySpan<float> x, float m)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            var vm = Vector256.Create(m);
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                var d0 = Vector256.LoadUnsafe(ref px, (nuint)i) - vm;
                var d1 = Vector256.LoadUnsafe(ref px, (nuint)(i + 8)) - vm;
                acc0 = Fmadd(d0, d0, acc0);
                acc1 = Fmadd(d1, d1, acc1);
            }

            s = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref px, i) - m;
            s += d * d;
        }

        return s;
    }

    /// <summary>Σ g·(x − m), or Σ g·gamma·(x − m) when <paramref name="gamma"/> is not empty.</summary>
    public static float DotCentered(ReadOnlySpan<float> g, ReadOnlySpan<float> gamma, ReadOnlySpan<float> x, float m)
    {
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(gamma);
        bool hasGamma = !gamma.IsEmpty;
        int n = x.Length, i = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var vg = Vector256.LoadUnsafe(ref pg, (nuint)i);
                if (hasGamma)
                {
                    vg *= Vector256.LoadUnsafe(ref pw, (nuint)i);
                }

                acc = Fmadd(vg, Vector256.LoadUnsafe(ref px, (nuint)i) - vm, acc);
            }

            s = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            float gv = Unsafe.Add(ref pg, i);
            if (hasGamma)
            {
                gv *= Unsafe.Add(ref pw, i);
            }

            s += gv * (Unsafe.Add(ref px, i) - m);
        }

        return s;
    }

    /// <summary>One pass over g and x: <paramref name="sum"/> = Σ g and <paramref name="dot"/> = Σ g·(x − m).</summary>
    public static void SumAndDotCentered(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m, out float sum, out float dot)
    {
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        float s = 0, d = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            Vector256<float> accS = Vector256<float>.Zero, accD = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var vg = Vector256.LoadUnsafe(ref pg, (nuint)i);
                accS += vg;
                accD = Fmadd(vg, Vector256.LoadUnsafe(ref px, (nuint)i) - vm, accD);
            }

            s = Vector256.Sum(accS);
            d = Vector256.Sum(accD);
        }

        for (; i < n; i++)
        {
            float gv = Unsafe.Add(ref pg, i);
            s += gv;
            d += gv * (Unsafe.Add(ref px, i) - m);
        }

        sum = s;
        dot = d;
    }

    /// <summary>y = (x − m)·rstd [·gamma] [+ beta]; gamma and beta may be empty (then 1 and 0).</summary>
    public static void Normalize(ReadOnlySpan<float> x, float m, float rstd, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float pw = ref MemoryMarshal.GetReference(gamma);
        ref float pb = ref MemoryMarshal.GetReference(beta);
        ref float py = ref MemoryMarshal.GetReference(y);
        bool hasGamma = !gamma.IsEmpty, hasBeta = !beta.IsEmpty;
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            var vr = Vector256.Create(rstd);
            for (; i <= n - 8; i += 8)
            {
                var h = (Vector256.LoadUnsafe(ref px, (nuint)i) - vm) * vr;
                if (hasGamma)
                {
                    h = hasBeta
                        ? Fmadd(h, Vector256.LoadUnsafe(ref pw, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i))
                        : h * Vector256.LoadUnsafe(ref pw, (nuint)i);
                }
                else if (hasBeta)
                {
                    h += Vector256.LoadUnsafe(ref pb, (nuint)i);
                }

                h.StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float h = (Unsafe.Add(ref px, i) - m) * rstd;
            if (hasGamma)
            {
                h *= Unsafe.Add(ref pw, i);
            }

            if (hasBeta)
            {
                h += Unsafe.Add(ref pb, i);
            }

            Unsafe.Add(ref py, i) = h;
        }
    }

    /// <summary>
    /// y = (x − m)·s + t: centring first keeps the error near an ulp of y (x·s + (t − m·s) loses an ulp of m·s,
    /// large when a group's mean is large against its spread).
    /// </summary>
    public static void CenterScaleShift(ReadOnlySpan<float> x, float m, float s, float t, Span<float> y)
    {
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            var vs = Vector256.Create(s);
            var vt = Vector256.Create(t);
            for (; i <= n - 8; i += 8)
            {
                Fmadd(Vector256.LoadUnsafe(ref px, (nuint)i) - vm, vs, vt).StoreUnsafe(ref py, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref px, i) - m, s, t);
        }
    }

    /// <summary>dst += a·g[·gamma] + b·(x − m) + c (the fused input-gradient update); gamma may be empty.</summary>
    public static void AddInputGrad(Span<float> dst, float a, ReadOnlySpan<float> g, ReadOnlySpan<float> gamma, float b, ReadOnlySpan<float> x, float m, float c)
    {
        ref float pd = ref MemoryMarshal.GetReference(dst);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float pw = ref MemoryMarshal.GetReference(gamma);
        ref float px = ref MemoryMarshal.GetReference(x);
        bool hasGamma = !gamma.IsEmpty;
        int n = dst.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            var vc = Vector256.Create(c);
            var vm = Vector256.Create(m);
            for (; i <= n - 8; i += 8)
            {
                var vg = Vector256.LoadUnsafe(ref pg, (nuint)i);
                if (hasGamma)
                {
                    vg *= Vector256.LoadUnsafe(ref pw, (nuint)i);
                }

                var r = Fmadd(vb, Vector256.LoadUnsafe(ref px, (nuint)i) - vm, vc);
                r = Fmadd(va, vg, r);
                (Vector256.LoadUnsafe(ref pd, (nuint)i) + r).StoreUnsafe(ref pd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float gv = Unsafe.Add(ref pg, i);
            if (hasGamma)
            {
                gv *= Unsafe.Add(ref pw, i);
            }

            Unsafe.Add(ref pd, i) += (a * gv) + (b * (Unsafe.Add(ref px, i) - m)) + c;
        }
    }

    /// <summary>dgamma += g·(x − m)·rstd.</summary>
    public static void AddGammaGrad(Span<float> dgamma, ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m, float rstd)
    {
        ref float pd = ref MemoryMarshal.GetReference(dgamma);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float px = ref MemoryMarshal.GetReference(x);
        int n = dgamma.Length, i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var vm = Vector256.Create(m);
            var vr = Vector256.Create(rstd);
            for (; i <= n - 8; i += 8)
            {
                var h = (Vector256.LoadUnsafe(ref px, (nuint)i) - vm) * vr;
                Fmadd(Vector256.LoadUnsafe(ref pg, (nuint)i), h, Vector256.LoadUnsafe(ref pd, (nuint)i)).StoreUnsafe(ref pd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref pd, i) += Unsafe.Add(ref pg, i) * ((Unsafe.Add(ref px, i) - m) * rstd);
        }
    }
}
