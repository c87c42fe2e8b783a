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
    /// sixteen units at a time with 512-bit vectors first (<see cref="LstmKernels512"/>).
    /// </summary>
    public static void ForwardRow(
        float* gates, float* rec, float* bias, float* c, float* h,
        float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int hidden, bool wide)
    {
        int j = 0;
        if (s_vector)
        {
            if (wide)
            {
                for (; j <= hidden - 16; j += 16)
                {
                    LstmKernels512.ForwardLanes(gates + j, rec == null ? null : rec + j, bias + j, c + j, h + j, cPrevOut + j, hPrevOut + j, tanhCOut + j, y + j, hidden);
                }
            }

            for (; j <= hidden - 8; j += 8)
            {
                ForwardLanes(gates + j, rec == null ? null : rec + j, bias + j, c + j, h + j, cPrevOut + j, hPrevOut + j, tanhCOut + j, y + j, hidden);
            }

            if (j < hidden)
            {
                ForwardTail(gates + j, rec == null ? null : rec + j, bias + j, c + j, h + j, cPrevOut + j, hPrevOut + j, tanhCOut + j, y + j, hidden, hidden - j);
            }

            return;
        }

        for (; j < hidden; j++)
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
    /// Eight units of <see cref="ForwardRow"/> at the given pointers (the four gate blocks of <paramref name="gates"/>,
    /// <paramref name="rec"/> and <paramref name="bias"/> <paramref name="stride"/> floats apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes(
        float* gates, float* rec, float* bias, float* c, float* h,
        float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int stride)
    {
        Vector256<float> zi = Vector256.Load(gates) + Vector256.Load(bias);
        Vector256<float> zf = Vector256.Load(gates + stride) + Vector256.Load(bias + stride);
        Vector256<float> zg = Vector256.Load(gates + (2 * stride)) + Vector256.Load(bias + (2 * stride));
        Vector256<float> zo = Vector256.Load(gates + (3 * stride)) + Vector256.Load(bias + (3 * stride));
        if (rec != null)
        {
            zi += Vector256.Load(rec);
            zf += Vector256.Load(rec + stride);
            zg += Vector256.Load(rec + (2 * stride));
            zo += Vector256.Load(rec + (3 * stride));
        }

        Vector256<float> i = Sigmoid(zi), f = Sigmoid(zf), g = Tanh(zg), o = Sigmoid(zo);
        Vector256<float> cp = Vector256.Load(c);
        Vector256.Load(h).Store(hPrevOut);
        cp.Store(cPrevOut);
        Vector256<float> cn = Vector256.FusedMultiplyAdd(f, cp, i * g);
        Vector256<float> tc = Tanh(cn);
        Vector256<float> hn = o * tc;
        i.Store(gates);
        f.Store(gates + stride);
        g.Store(gates + (2 * stride));
        o.Store(gates + (3 * stride));
        cn.Store(c);
        tc.Store(tanhCOut);
        hn.Store(h);
        hn.Store(y);
    }

    /// <summary>
    /// The last <paramref name="count"/> (&lt; 8) units of <see cref="ForwardRow"/>: copied into zero-padded 8-lane
    /// buffers, computed by <see cref="ForwardLanes"/> (the same approximations as the other units, instead of a
    /// scalar loop of <see cref="MathF.Exp"/> and <see cref="MathF.Tanh"/> calls, which cost as much as the vector
    /// part at hidden 100) and copied back.
    /// </summary>
    private static void ForwardTail(
        float* gates, float* rec, float* bias, float* c, float* h,
        float* cPrevOut, float* hPrevOut, float* tanhCOut, float* y, int hidden, int count)
    {
        // One zeroed buffer: gates, recurrent projection and bias (4 × 8 each), c and h (8 each), then the outputs.
        float* buf = stackalloc float[144];
        new Span<float>(buf, 112).Clear();
        float* g8 = buf, r8 = buf + 32, b8 = buf + 64, c8 = buf + 96, h8 = buf + 104;
        float* cp8 = buf + 112, hp8 = buf + 120, tc8 = buf + 128, y8 = buf + 136;
        for (int gate = 0; gate < 4; gate++)
        {
            for (int u = 0; u < count; u++)
            {
                g8[(gate * 8) + u] = gates[(gate * hidden) + u];
                b8[(gate * 8) + u] = bias[(gate * hidden) + u];
                if (rec != null)
                {
                    r8[(gate * 8) + u] = rec[(gate * hidden) + u];
                }
            }
        }

        for (int u = 0; u < count; u++)
        {
            c8[u] = c[u];
            h8[u] = h[u];
        }

        ForwardLanes(g8, rec == null ? null : r8, b8, c8, h8, cp8, hp8, tc8, y8, 8);
        for (int gate = 0; gate < 4; gate++)
        {
            for (int u = 0; u < count; u++)
            {
                gates[(gate * hidden) + u] = g8[(gate * 8) + u];
            }
        }

        for (int u = 0; u < count; u++)
        {
            c[u] = c8[u];
            h[u] = h8[u];
            cPrevOut[u] = cp8[u];
            hPrevOut[u] = hp8[u];
            tanhCOut[u] = tc8[u];
            y[u] = y8[u];
        }
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
