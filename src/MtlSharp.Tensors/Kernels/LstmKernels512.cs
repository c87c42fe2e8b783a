using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The 512-bit forms of the LSTM cell kernels in <see cref="LstmKernels"/>: sixteen units per step, used where the
/// host accelerates <see cref="Vector512"/> (or where a test forces them; they are emulated elsewhere). Every lane
/// runs the same operations, in the same order, as a lane of the 256-bit forms (the same FMAs, exact divisions and
/// polynomial approximations), so the two widths give bit-identical results: the width changes speed only.
/// </summary>
internal static unsafe class LstmKernels512
{
    /// <summary>
    /// The 16-lane part of <see cref="LstmKernels.ForwardRow"/>'s activation pass over the row's
    /// <paramref name="n"/> = 4H gate values (tanh on [<paramref name="t0"/>, <paramref name="t1"/>), σ elsewhere).
    /// Returns the offset where the 8-lane loop goes on.
    /// </summary>
    public static int Activate(float* gates, float* rec, float* bias, int n, int t0, int t1)
    {
        int k = 0;
        for (; k <= n - 16; k += 16)
        {
            Vector512<float> z = Vector512.Load(gates + k) + Vector512.Load(bias + k);
            if (rec != null)
            {
                z += Vector512.Load(rec + k);
            }

            Vector512<float> a;
            if (k + 16 <= t0 || k >= t1)
            {
                a = Sigmoid(z);
            }
            else if (k >= t0 && k + 16 <= t1)
            {
                a = Tanh(z);
            }
            else
            {
                Vector512<int> idx = Vector512.Create(k) + Vector512<int>.Indices;
                Vector512<int> inG = Vector512.GreaterThanOrEqual(idx, Vector512.Create(t0)) & Vector512.LessThan(idx, Vector512.Create(t1));
                a = Vector512.ConditionalSelect(inG.AsSingle(), Tanh(z), Sigmoid(z));
            }

            a.Store(gates + k);
        }

        return k;
    }

    /// <summary>
    /// The 16-lane part of <see cref="LstmKernels.ForwardRow"/>'s state update (gate blocks of <paramref name="act"/>
    /// <paramref name="hidden"/> floats apart). Returns the unit where the 8-lane loop goes on.
    /// </summary>
    public static int Update(float* act, float* c, float* h, float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int hidden)
    {
        int j = 0;
        for (; j <= hidden - 16; j += 16)
        {
            Vector512<float> i = Vector512.Load(act + j);
            Vector512<float> f = Vector512.Load(act + hidden + j);
            Vector512<float> g = Vector512.Load(act + (2 * hidden) + j);
            Vector512<float> o = Vector512.Load(act + (3 * hidden) + j);
            Vector512<float> cp = Vector512.Load(c + j);
            Vector512.Load(h + j).Store(hPrevOut + j);
            cp.Store(cPrevOut + j);
            Vector512<float> cn = Vector512.FusedMultiplyAdd(f, cp, i * g);
            Vector512<float> tc = Tanh(cn);
            Vector512<float> hn = o * tc;
            cn.Store(c + j);
            tc.Store(tanhCOut + j);
            hn.Store(h + j);
            hn.Store(y + j);
        }

        return j;
    }

    /// <summary>Sixteen units of <see cref="LstmKernels.BackwardRow"/> (gate blocks <paramref name="hidden"/> floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackwardLanes(
        float* act, float* cPrev, float* tanhC, float* dy, float* dh, float* dc, float* dGates, float* dGates2, int hidden)
    {
        Vector512<float> one = Vector512.Create(1f);
        Vector512<float> i = Vector512.Load(act);
        Vector512<float> f = Vector512.Load(act + hidden);
        Vector512<float> g = Vector512.Load(act + (2 * hidden));
        Vector512<float> o = Vector512.Load(act + (3 * hidden));
        Vector512<float> tc = Vector512.Load(tanhC);
        Vector512<float> cp = Vector512.Load(cPrev);
        Vector512<float> gh = Vector512.Load(dy) + Vector512.Load(dh);
        Vector512<float> gc = Vector512.FusedMultiplyAdd(gh * o, one - (tc * tc), Vector512.Load(dc));
        Vector512<float> gi = gc * g * i * (one - i);
        Vector512<float> gf = gc * cp * f * (one - f);
        Vector512<float> gg = gc * i * (one - (g * g));
        Vector512<float> go = gh * tc * o * (one - o);
        (gc * f).Store(dc);
        gi.Store(dGates);
        gf.Store(dGates + hidden);
        gg.Store(dGates + (2 * hidden));
        go.Store(dGates + (3 * hidden));
        gi.Store(dGates2);
        gf.Store(dGates2 + hidden);
        gg.Store(dGates2 + (2 * hidden));
        go.Store(dGates2 + (3 * hidden));
    }

    /// <summary>σ(x) = 1 / (1 + e^(−x)), lane for lane as <see cref="LstmKernels.Sigmoid"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> one = Vector512.Create(1f);
        return one / (one + Exp(-x));
    }

    /// <summary>tanh(x), lane for lane as <see cref="LstmKernels.Tanh"/> (Eigen's rational approximation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> c = Vector512.Min(Vector512.Max(x, Vector512.Create(-7.99881172180175781f)), Vector512.Create(7.99881172180175781f));
        Vector512<float> x2 = c * c;
        Vector512<float> p = Vector512.Create(-2.76076847742355e-16f);
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(2.00018790482477e-13f));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(-8.60467152213735e-11f));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(5.12229709037114e-08f));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(1.48572235717979e-05f));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(6.37261928875436e-04f));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(4.89352455891786e-03f));
        Vector512<float> q = Vector512.Create(1.19825839466702e-06f);
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(1.18534705686654e-04f));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(2.26843463243900e-03f));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(4.89352518554385e-03f));
        Vector512<float> t = (p * c) / q;
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(0.0004f)), x, t);
    }

    /// <summary>e^x, lane for lane as <see cref="LstmKernels.Exp"/> (Cephes expf).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.3f)), Vector512.Create(88.37f));
        Vector512<float> magic = Vector512.Create(12582912f + 127f);
        Vector512<float> t = Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), magic);
        Vector512<float> n = t - magic;
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512.Create(1f);
        return p * (t.AsInt32() << 23).AsSingle();
    }
}
