using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MtlSharp.NN.Optim;

/// <summary>
/// The optimizers' fused element loops (one pass over value, gradient and state; Vector256 with a scalar tail),
/// following the operation order of PyTorch's single-tensor implementations (torch 1.13 <c>_single_tensor_*</c>).
/// </summary>
internal static class FusedUpdates
{
    /// <summary>
    /// Adam / AdamW (Kingma &amp; Ba 2015; Loshchilov &amp; Hutter 2019):
    /// g ← g + wd·p (Adam) or p ← p·(1 − lr·wd) (AdamW); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
    /// p ← p − stepSize · m / (√v / √bc2 + eps), with stepSize = lr / bc1.
    /// </summary>
    public static void Adam(
        Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float beta1, float beta2, float eps, float weightDecay, float decoupledScale,
        float stepSize, float bc2Sqrt)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n || v.Length != n)
        {
            throw new ArgumentException("Adam: value, gradient and state lengths differ.");
        }

        float oneMinusB1 = 1f - beta1, oneMinusB2 = 1f - beta2;
        bool decoupled = decoupledScale != 1f;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rv = ref MemoryMarshal.GetReference(v);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var vB1 = Vector256.Create(beta1);
            var vB2 = Vector256.Create(beta2);
            var v1B1 = Vector256.Create(oneMinusB1);
            var v1B2 = Vector256.Create(oneMinusB2);
            var vWd = Vector256.Create(weightDecay);
            var vScale = Vector256.Create(decoupledScale);
            var vEps = Vector256.Create(eps);
            var vBc2 = Vector256.Create(bc2Sqrt);
            var vStep = Vector256.Create(stepSize);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pv = Vector256.LoadUnsafe(ref rp, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref rg, (nuint)i);
                if (decoupled)
                {
                    pv *= vScale;
                }
                else if (weightDecay != 0f)
                {
                    gv = Vector256.FusedMultiplyAdd(pv, vWd, gv);
                }

                var mv = Vector256.FusedMultiplyAdd(gv, v1B1, Vector256.LoadUnsafe(ref rm, (nuint)i) * vB1);
                var vv = Vector256.FusedMultiplyAdd(gv * gv, v1B2, Vector256.LoadUnsafe(ref rv, (nuint)i) * vB2);
                var denom = (Vector256.Sqrt(vv) / vBc2) + vEps;
                pv -= vStep * (mv / denom);
                mv.StoreUnsafe(ref rm, (nuint)i);
                vv.StoreUnsafe(ref rv, (nuint)i);
                pv.StoreUnsafe(ref rp, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref rp, i);
            float gi = Unsafe.Add(ref rg, i);
            if (decoupled)
            {
                pi *= decoupledScale;
            }
            else if (weightDecay != 0f)
            {
                gi = MathF.FusedMultiplyAdd(pi, weightDecay, gi);
            }

            float mi = MathF.FusedMultiplyAdd(gi, oneMinusB1, Unsafe.Add(ref rm, i) * beta1);
            float vi = MathF.FusedMultiplyAdd(gi * gi, oneMinusB2, Unsafe.Add(ref rv, i) * beta2);
            float denom = (MathF.Sqrt(vi) / bc2Sqrt) + eps;
            Unsafe.Add(ref rm, i) = mi;
            Unsafe.Add(ref rv, i) = vi;
            Unsafe.Add(ref rp, i) = pi - (stepSize * (mi / denom));
        }
    }

    /// <summary>
    /// SGD with momentum (PyTorch semantics, Sutskever et al. 2013 for Nesterov): d ← g + wd·p;
    /// b ← d on the first step, else b ← μ·b + (1−dampening)·d; d ← d + μ·b (Nesterov) or d ← b; p ← p − lr·d.
    /// With momentum 0, <paramref name="buf"/> is empty and d = g + wd·p.
    /// </summary>
    public static void Sgd(
        Span<float> p, ReadOnlySpan<float> g, Span<float> buf,
        float lr, float weightDecay, float momentum, float dampening, bool nesterov, bool firstStep)
    {
        int n = p.Length;
        bool useMomentum = momentum != 0f;
        if (g.Length != n || (useMomentum && buf.Length != n))
        {
            throw new ArgumentException("Sgd: value, gradient and state lengths differ.");
        }

        float keep = 1f - dampening;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rb = ref MemoryMarshal.GetReference(buf);
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var vWd = Vector256.Create(weightDecay);
            var vMu = Vector256.Create(momentum);
            var vKeep = Vector256.Create(keep);
            var vNegLr = Vector256.Create(-lr);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pv = Vector256.LoadUnsafe(ref rp, (nuint)i);
                var d = Vector256.LoadUnsafe(ref rg, (nuint)i);
                if (weightDecay != 0f)
                {
                    d = Vector256.FusedMultiplyAdd(pv, vWd, d);
                }

                if (useMomentum)
                {
                    var b = firstStep ? d : Vector256.FusedMultiplyAdd(d, vKeep, Vector256.LoadUnsafe(ref rb, (nuint)i) * vMu);
                    b.StoreUnsafe(ref rb, (nuint)i);
                    d = nesterov ? Vector256.FusedMultiplyAdd(b, vMu, d) : b;
                }

                Vector256.FusedMultiplyAdd(d, vNegLr, pv).StoreUnsafe(ref rp, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref rp, i);
            float d = Unsafe.Add(ref rg, i);
            if (weightDecay != 0f)
            {
                d = MathF.FusedMultiplyAdd(pi, weightDecay, d);
            }

            if (useMomentum)
            {
                float b = firstStep ? d : MathF.FusedMultiplyAdd(d, keep, Unsafe.Add(ref rb, i) * momentum);
                Unsafe.Add(ref rb, i) = b;
                d = nesterov ? MathF.FusedMultiplyAdd(b, momentum, d) : b;
            }

            Unsafe.Add(ref rp, i) = MathF.FusedMultiplyAdd(d, -lr, pi);
        }
    }
}
