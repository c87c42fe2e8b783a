using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The fused per-row LSTM cell kernels (PyTorch gate order i, f, g, o), vectorised with <see cref="Vector256{T}"/>
/// (the forward's last hidden % 8 units through zero-padded 8-lane buffers, the backward's in a scalar loop), with
/// sixteen units at a time in <see cref="LstmKernels512"/> where the caller asks for 512-bit vectors (the same bits:
/// each lane runs the same operations), and a scalar fallback where AVX2/FMA is missing:
/// i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o), c = f ⊙ c₋₁ + i ⊙ g, h = o ⊙ tanh(c).
/// </summary>
internal static unsafe class LstmKernels
{
    private static readonly bool s_vector = Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>
    /// One cell step for one sequence. <paramref name="gates"/> [4H] holds the input projection on entry and the
    /// activations (i, f, g, o) on exit; <paramref name="rec"/> [4H] the recurrent projection (null at step 0);
    /// <paramref name="bias"/> [4H] bIh + bHh. <paramref name="c"/>, <paramref name="h"/> [H] are the running state
    /// (updated); the previous c and h are saved to <paramref name="cPrevOut"/>, <paramref name="hPrevOut"/>, and
    /// tanh(c) to <paramref name="tanhCOut"/>; h is also written to <paramref name="y"/>. <paramref name="wide"/>: run
    /// sixteen lanes at a time with 512-bit vectors first (<see cref="LstmKernels512"/>).
    /// </summary>
    /// <remarks>
    /// Two passes over the row: the four gate activations over the whole [4H] row as one stream of vectors
    /// (<see cref="Activate"/>; the vector that straddles the g block's edges computes σ and tanh and picks per lane),
    /// then the state update over [H] (<see cref="Update"/>). Each pass's vectors are independent of each other, so the
    /// core overlaps them; the fused form (all of one unit's work in one loop body: σ, then the cell, then tanh(c)) was
    /// one long dependency chain per eight units. On a Zen 1 the cell's share of a profile of the full-length BiLSTM
    /// benchmark at 1 thread went from 5.4 % to 4.3 % (session 22; the layer's time moved within the host's noise).
    /// Each lane runs the same operations as before, so the bits are the same.
    /// </remarks>
    public static void ForwardRow(
        float* gates, float* rec, float* bias, float* c, float* h,
        float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int hidden, bool wide)
    {
        if (s_vector)
        {
            Activate(gates, rec, bias, hidden, wide);
            Update(gates, c, h, cPrevOut, hPrevOut, tanhCOut, y, hidden, wide);
            return;
        }

        for (int j = 0; j < hidden; j++)
        {
            float zi = gates[j] + bias[j];
            float zf = gates[hidden + j] + bias[hidden + j];
            float zg = gates[(2 * hidden) + j] + bias[(2 * hidden) + j];
            float zo = gates[(3 * hidden) + j] + bias[(3 * hidden) + j];
            if (rec != null)
            {
                zi += rec[j];
                zf += rec[hidden + j];
                zg += rec[(2 * hidden) + j];
                zo += rec[(3 * hidden) + j];
            }

            float i = SigmoidScalar(zi), f = SigmoidScalar(zf), g = MathF.Tanh(zg), o = SigmoidScalar(zo);
            float cp = c[j];
            hPrevOut[j] = h[j];
            cPrevOut[j] = cp;
            float cn = (f * cp) + (i * g);
            float tc = MathF.Tanh(cn);
            float hn = o * tc;
            gates[j] = i;
            gates[hidden + j] = f;
            gates[(2 * hidden) + j] = g;
            gates[(3 * hidden) + j] = o;
            c[j] = cn;
            tanhCOut[j] = tc;
            h[j] = hn;
            y[j] = hn;
        }
    }

    /// <summary>
    /// gates[k] ← act((gates[k] + bias[k]) + rec[k]) for k in [0, 4H): σ on the i, f and o blocks, tanh on g
    /// ([2H, 3H)). The last 4H mod 8 values go through a zero-padded 8-lane buffer.
    /// </summary>
    private static void Activate(float* gates, float* rec, float* bias, int hidden, bool wide)
    {
        int n = 4 * hidden, t0 = 2 * hidden, t1 = 3 * hidden;
        int k = wide ? LstmKernels512.Activate(gates, rec, bias, n, t0, t1) : 0;
        for (; k <= n - 8; k += 8)
        {
            Vector256<float> z = Vector256.Load(gates + k) + Vector256.Load(bias + k);
            if (rec != null)
            {
                z += Vector256.Load(rec + k);
            }

            Activation(z, k, t0, t1).Store(gates + k);
        }

        if (k < n)
        {
            float* z8 = stackalloc float[8];
            new Span<float>(z8, 8).Clear();
            for (int u = 0; u < n - k; u++)
            {
                z8[u] = gates[k + u] + bias[k + u];
                if (rec != null)
                {
                    z8[u] += rec[k + u];
                }
            }

            Vector256<float> a = Activation(Vector256.Load(z8), k, t0, t1);
            for (int u = 0; u < n - k; u++)
            {
                gates[k + u] = a[u];
            }
        }
    }

    /// <summary>The gate activation of the eight values at row offsets [k, k + 8): tanh on [t0, t1), σ elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Activation(Vector256<float> z, int k, int t0, int t1)
    {
        if (k + 8 <= t0 || k >= t1)
        {
            return Sigmoid(z);
        }

        if (k >= t0 && k + 8 <= t1)
        {
            return Tanh(z);
        }

        Vector256<int> idx = Vector256.Create(k) + Vector256<int>.Indices;
        Vector256<int> inG = Vector256.GreaterThanOrEqual(idx, Vector256.Create(t0)) & Vector256.LessThan(idx, Vector256.Create(t1));
        return Vector256.ConditionalSelect(inG.AsSingle(), Tanh(z), Sigmoid(z));
    }

    /// <summary>
    /// The state update from the activations in <paramref name="act"/> [4H]: c = f ⊙ c₋₁ + i ⊙ g, h = o ⊙ tanh(c),
    /// saving c₋₁, h₋₁ and tanh(c). The last H mod 8 units go through zero-padded 8-lane buffers.
    /// </summary>
    private static void Update(float* act, float* c, float* h, float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int hidden, bool wide)
    {
        int j = wide ? LstmKernels512.Update(act, c, h, cPrevOut, hPrevOut, tanhCOut, y, hidden) : 0;
        for (; j <= hidden - 8; j += 8)
        {
            UpdateLanes(act + j, c + j, h + j, cPrevOut + j, hPrevOut + j, tanhCOut + j, y + j, hidden);
        }

        int count = hidden - j;
        if (count > 0)
        {
            // Gates i, f, g, o (8 each), c and h (8 each), then the outputs c₋₁, h₋₁, tanh(c), y.
            float* buf = stackalloc float[80];
            new Span<float>(buf, 48).Clear();
            float* a8 = buf, c8 = buf + 32, h8 = buf + 40, cp8 = buf + 48, hp8 = buf + 56, tc8 = buf + 64, y8 = buf + 72;
            for (int u = 0; u < count; u++)
            {
                for (int gate = 0; gate < 4; gate++)
                {
                    a8[(gate * 8) + u] = act[(gate * hidden) + j + u];
                }

                c8[u] = c[j + u];
                h8[u] = h[j + u];
            }

            UpdateLanes(a8, c8, h8, cp8, hp8, tc8, y8, 8);
            for (int u = 0; u < count; u++)
            {
                c[j + u] = c8[u];
                h[j + u] = h8[u];
                cPrevOut[j + u] = cp8[u];
                hPrevOut[j + u] = hp8[u];
                tanhCOut[j + u] = tc8[u];
                y[j + u] = y8[u];
            }
        }
    }

    /// <summary>Eight units of <see cref="Update"/> (the gate blocks of <paramref name="act"/> <paramref name="stride"/> floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateLanes(float* act, float* c, float* h, float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int stride)
    {
        Vector256<float> i = Vector256.Load(act);
        Vector256<float> f = Vector256.Load(act + stride);
        Vector256<float> g = Vector256.Load(act + (2 * stride));
        Vector256<float> o = Vector256.Load(act + (3 * stride));
        Vector256<float> cp = Vector256.Load(c);
        Vector256.Load(h).Store(hPrevOut);
        cp.Store(cPrevOut);
        Vector256<float> cn = Vector256.FusedMultiplyAdd(f, cp, i * g);
        Vector256<float> tc = Tanh(cn);
        Vector256<float> hn = o * tc;
        cn.Store(c);
        tc.Store(tanhCOut);
        hn.Store(h);
        hn.Store(y);
    }

    /// <summary>
    /// Backward of one cell step for one sequence. <paramref name="act"/> [4H] the saved activations,
    /// <paramref name="cPrev"/>, <paramref name="tanhC"/> [H] the saved c₋₁ and tanh(c); <paramref name="dy"/> [H]
    /// the output gradient at this position; <paramref name="dh"/> [H] the gradient flowing back from the next
    /// step's recurrent input; <paramref name="dc"/> [H] the cell gradient from the next step, replaced by the
    /// gradient for c₋₁. Writes the pre-activation gate gradients [4H] to <paramref name="dGates"/> and
    /// <paramref name="dGates2"/>. <paramref name="wide"/>: sixteen units at a time first, as in <see cref="ForwardRow"/>.
    /// </summary>
    public static void BackwardRow(
        float* act, float* cPrev, float* tanhC, float* dy, float* dh, float* dc, float* dGates, float* dGates2, int hidden, bool wide)
    {
        int j = 0;
        if (s_vector)
        {
            if (wide)
            {
                for (; j <= hidden - 16; j += 16)
                {
                    LstmKernels512.BackwardLanes(act + j, cPrev + j, tanhC + j, dy + j, dh + j, dc + j, dGates + j, dGates2 + j, hidden);
                }
            }

            Vector256<float> one = Vector256.Create(1f);
            for (; j <= hidden - 8; j += 8)
            {
                Vector256<float> i = Vector256.Load(act + j);
                Vector256<float> f = Vector256.Load(act + hidden + j);
                Vector256<float> g = Vector256.Load(act + (2 * hidden) + j);
                Vector256<float> o = Vector256.Load(act + (3 * hidden) + j);
                Vector256<float> tc = Vector256.Load(tanhC + j);
                Vector256<float> cp = Vector256.Load(cPrev + j);
                Vector256<float> gh = Vector256.Load(dy + j) + Vector256.Load(dh + j);
                Vector256<float> gc = Vector256.FusedMultiplyAdd(gh * o, one - (tc * tc), Vector256.Load(dc + j));
                Vector256<float> gi = gc * g * i * (one - i);
                Vector256<float> gf = gc * cp * f * (one - f);
                Vector256<float> gg = gc * i * (one - (g * g));
                Vector256<float> go = gh * tc * o * (one - o);
                (gc * f).Store(dc + j);
                gi.Store(dGates + j);
                gf.Store(dGates + hidden + j);
                gg.Store(dGates + (2 * hidden) + j);
                go.Store(dGates + (3 * hidden) + j);
                gi.Store(dGates2 + j);
                gf.Store(dGates2 + hidden + j);
                gg.Store(dGates2 + (2 * hidden) + j);
                go.Store(dGates2 + (3 * hidden) + j);
            }
        }

        for (; j < hidden; j++)
        {
            float i = act[j], f = act[hidden + j], g = act[(2 * hidden) + j], o = act[(3 * hidden) + j];
            float tc = tanhC[j];
            float gh = dy[j] + dh[j];
            float gc = dc[j] + (gh * o * (1f - (tc * tc)));
            float gi = gc * g * i * (1f - i);
            float gf = gc * cPrev[j] * f * (1f - f);
            float gg = gc * i * (1f - (g * g));
            float go = gh * tc * o * (1f - o);
            dc[j] = gc * f;
            dGates[j] = dGates2[j] = gi;
            dGates[hidden + j] = dGates2[hidden + j] = gf;
            dGates[(2 * hidden) + j] = dGates2[(2 * hidden) + j] = gg;
            dGates[(3 * hidden) + j] = dGates2[(3 * hidden) + j] = go;
        }
    }

    private static float SigmoidScalar(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>σ(x) = 1 / (1 + e^(−x)) with an exact division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> one = Vector256.Create(1f);
        return one / (one + Exp(-x));
    }

    /// <summary>
    /// tanh(x) as Eigen's rational approximation (<c>generic_fast_tanh_float</c>): x·P(x²)/Q(x²) on x clamped to
    /// ±7.9988 (where tanh rounds to ±1), and x itself for |x| &lt; 4e−4. Max relative error about 3e−7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> c = Vector256.Min(Vector256.Max(x, Vector256.Create(-7.99881172180175781f)), Vector256.Create(7.99881172180175781f));
        Vector256<float> x2 = c * c;
        Vector256<float> p = Vector256.Create(-2.76076847742355e-16f);
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(2.00018790482477e-13f));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(-8.60467152213735e-11f));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(5.12229709037114e-08f));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(1.48572235717979e-05f));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(6.37261928875436e-04f));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(4.89352455891786e-03f));
        Vector256<float> q = Vector256.Create(1.19825839466702e-06f);
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(1.18534705686654e-04f));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(2.26843463243900e-03f));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(4.89352518554385e-03f));
        Vector256<float> t = (p * c) / q;
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(0.0004f)), x, t);
    }

    /// <summary>
    /// e^x (Cephes expf): x clamped to [−87.3, 88.37], x = n·ln2 + r, e^r by a degree-6 polynomial, scaled by 2ⁿ
    /// through the exponent bits (n rounded with the 1.5·2²³ "magic number" add, whose low mantissa bits then
    /// hold n + 127). Max relative error about 1e−7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.3f)), Vector256.Create(88.37f));
        Vector256<float> magic = Vector256.Create(12582912f + 127f);
        Vector256<float> t = Vector256.FusedMultiplyAdd(x, Vector256.Create(1.44269504088896341f), magic);
        Vector256<float> n = t - magic;
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256.Create(1f);
        return p * (t.AsInt32() << 23).AsSingle();
    }
}
