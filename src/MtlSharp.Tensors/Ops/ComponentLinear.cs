using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>[0, 1, …, c−1] for small c, shared (read-only: nodes only read their component list).</summary>
    private static int[][] s_allComponents = [];

    /// <summary>
    /// Many parallel linear maps as one op (PyTorch's <c>baddbmm</c> over selected components): for each selected
    /// component c = <paramref name="components"/>[a], y[a] = x[a] · weight[c] + bias[c]. x is [N, in] (shared by all
    /// components) or [A, N, in] (one slice per selected component), weight [C, in, out], bias [C, out] or null;
    /// <paramref name="components"/> lists the A selected component indices (all C, in order, when empty).
    /// Returns [A, N, out]. One GEMM per selected component, forward and backward; weights are read in place, never
    /// copied, so unselected components cost nothing.
    /// </summary>
    public static Tensor ComponentLinear(Tensor x, Tensor weight, Tensor? bias, ReadOnlySpan<int> components = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ShapeMismatchException.Require(weight.Rank == 3, "ComponentLinear", "weight [C, in, out]", weight.Shape);
        int c = weight.Shape[0], fin = weight.Shape[1], fout = weight.Shape[2];
        int[] comps = components.IsEmpty ? AllComponents(c) : components.ToArray();
        int a = comps.Length;
        bool shared = x.Rank == 2;
        if (!((shared && x.Shape[1] == fin) || (x.Rank == 3 && x.Shape[0] == a && x.Shape[2] == fin)))
        {
            throw new ShapeMismatchException("ComponentLinear", $"x [N, {fin}] or [{a}, N, {fin}] for weight [C, in, out]", x.Shape, weight.Shape);
        }

        if (bias is not null)
        {
            ShapeMismatchException.Require(bias.Rank == 2 && bias.Shape[0] == c && bias.Shape[1] == fout, "ComponentLinear", "bias [C, out]", bias.Shape, weight.Shape);
        }

        foreach (int k in comps)
        {
            if ((uint)k >= (uint)c)
            {
                throw new ArgumentOutOfRangeException(nameof(components), $"ComponentLinear: component {k} outside [0, {c}).");
            }
        }

        int n = shared ? x.Shape[0] : x.Shape[1];
        var y = Tensor.Scratch(new Shape(a, n, fout));
        ReadOnlySpan<float> xs = x.Span, ws = weight.Span;
        Span<float> ys = y.Span;
        for (int i = 0; i < a; i++)
        {
            int k = comps[i];
            Span<float> yi = ys.Slice(i * n * fout, n * fout);
            ReadOnlySpan<float> xi = shared ? xs : xs.Slice(i * n * fin, n * fin);
            if (bias is not null)
            {
                ReadOnlySpan<float> bk = bias.Span.Slice(k * fout, fout);
                for (int r = 0; r < n; r++)
                {
                    bk.CopyTo(yi.Slice(r * fout, fout));
                }
            }

            Gemm.Multiply(xi, false, ws.Slice(k * fin * fout, fin * fout), false, yi, n, fout, fin, accumulate: bias is not null);
        }

        return Autograd.ShouldRecord(x, weight, bias) ? y.WithGradFn(new ComponentLinearNode(x, weight, bias, comps, shared)) : y;
    }

    /// <summary>[0, 1, …, c−1], cached for c &lt; 64 (a racing writer only loses a cache entry).</summary>
    private static int[] AllComponents(int c)
    {
        int[][] cache = s_allComponents;
        if (c < cache.Length && cache[c] is { } cached)
        {
            return cached;
        }

        int[] all = new int[c];
        for (int i = 0; i < c; i++)
        {
            all[i] = i;
        }

        if (c < 64)
        {
            int[][] grown = new int[Math.Max(cache.Length, c + 1)][];
            Array.Copy(cache, grown, cache.Length);
            grown[c] = all;
            s_allComponents = grown;
        }

        return all;
    }

    /// <summary>
    /// Backward of ComponentLinear, per selected component k with dy slice G: dx += G·W[k]ᵀ (summed over components
    /// for a shared x), dW[k] += xᵀ·G, db[k] += column sums of G; one GEMM each, no transposes materialised.
    /// </summary>
    private sealed class ComponentLinearNode : Node
    {
        private readonly int[] _comps;
        private readonly bool _shared;

        public ComponentLinearNode(Tensor x, Tensor weight, Tensor? bias, int[] comps, bool shared)
            : base(bias is null ? [x, weight] : [x, weight, bias])
        {
            _comps = comps;
            _shared = shared;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            int fin = w.Shape[1], fout = w.Shape[2];
            int n = _shared ? x.Shape[0] : x.Shape[1];
            Span<float> gx = ctx.GradFor(x);
            Span<float> gw = ctx.GradFor(w);
            Span<float> gb = Inputs.Length > 2 ? ctx.GradFor(Inputs[2]) : [];
            ReadOnlySpan<float> xs = x.Span, ws = w.Span;
            for (int i = 0; i < _comps.Length; i++)
            {
                int k = _comps[i];
                ReadOnlySpan<float> gi = gradOutput.Slice(i * n * fout, n * fout);
                ReadOnlySpan<float> xi = _shared ? xs : xs.Slice(i * n * fin, n * fin);
                if (!gx.IsEmpty)
                {
                    // dx += dy · Wᵀ   ([n, out] · [out, in])
                    Span<float> gxi = _shared ? gx : gx.Slice(i * n * fin, n * fin);
                    Gemm.Multiply(gi, false, ws.Slice(k * fin * fout, fin * fout), true, gxi, n, fin, fout, accumulate: true);
                }

                if (!gw.IsEmpty)
                {
                    // dW += xᵀ · dy   ([in, n] · [n, out])
                    Gemm.Multiply(xi, true, gi, false, gw.Slice(k * fin * fout, fin * fout), fin, fout, n, accumulate: true);
                }

                if (!gb.IsEmpty)
                {
                    Span<float> gbk = gb.Slice(k * fout, fout);
                    for (int r = 0; r < n; r++)
                    {
                        TensorPrimitives.Add(gbk, gi.Slice(r * fout, fout), gbk);
                    }
                }
            }
        }
    }
}
