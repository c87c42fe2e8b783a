using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Many parallel linear maps evaluated as one op (the peer's <c>baddbmm</c>): for each selected component c,
/// y[a] = x[a] · W[c] + b[c]. This is how a routed layer evaluates components of equal shape in one pass, and how
/// evaluation skips unallocated components without copying weights.
/// </summary>
public static class ComponentLinear
{
    private static int[][] s_allOf = [];

    /// <summary>
    /// x [N, in] (shared by all components) or [A, N, in] (one slice per selected component), weight [C, in, out],
    /// bias [C, out] or null, <paramref name="components"/> the A selected component indices (all when empty)
    /// → [A, N, out].
    /// </summary>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor? bias, ReadOnlySpan<int> components = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ShapeMismatchException.Require(weight.Rank == 3, "ComponentLinear", "weight [C, in, out]", weight.Shape);
        int c = weight.Shape[0], fin = weight.Shape[1], fout = weight.Shape[2];
        int[] comps = components.IsEmpty ? AllOf(c) : components.ToArray();
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

    /// <summary>[0, 1, …, c−1], shared per c (read-only: nodes only read their component list).</summary>
    private static int[] AllOf(int c)
    {
        int[][] cache = s_allOf;
        if (c < cache.Length && cache[c] is { } cached)
        {
            return cached;
        }

        int[] all = MakeAllOf(c);
        if (c < 64)
        {
            int[][] grown = new int[Math.Max(cache.Length, c + 1)][];
            Array.Copy(cache, grown, cache.Length);
            grown[c] = all;
            s_allOf = grown;
        }

        return all;
    }

    private static int[] MakeAllOf(int c)
    {
        int[] all = new int[c];
        for (int i = 0; i < c; i++)
        {
            all[i] = i;
        }

        return all;
    }

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

        public override string Name => "ComponentLinear";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> g)
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
                ReadOnlySpan<float> gi = g.Slice(i * n * fout, n * fout);
                ReadOnlySpan<float> xi = _shared ? xs : xs.Slice(i * n * fin, n * fin);
                if (!gx.IsEmpty)
                {
                    // dx = dy · Wᵀ   ([n, out] · [out, in])
                    Span<float> gxi = _shared ? gx : gx.Slice(i * n * fin, n * fin);
                    Gemm.Multiply(gi, false, ws.Slice(k * fin * fout, fin * fout), true, gxi, n, fin, fout, accumulate: true);
                }

                if (!gw.IsEmpty)
                {
                    // dW = xᵀ · dy   ([in, n] · [n, out])
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
