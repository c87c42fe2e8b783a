using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Fused elementwise backward kernels that <c>TensorPrimitives</c> lacks (each <b>adds</b> into its destination),
/// vectorised with <see cref="Vector256{T}"/> and a scalar tail, plus the parallel driver the pointwise ops use for
/// large tensors.
/// </summary>
/// <remarks>
/// Every kernel is per element, so splitting a span into chunks changes no result beyond which elements take the
/// scalar tail; chunking depends only on the length and <see cref="Threading.ThreadCount"/>, so results are
/// reproducible run to run.
/// </remarks>
internal static unsafe class PointwiseKernels
{
    /// <summary>Below this many elements pointwise ops run on the calling thread.</summary>
    public const int ParallelThreshold = 1 << 16;

    /// <summary>A per-element kernel over up to four equal-length spans and one scalar parameter.</summary>
    public delegate void SpanKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> d, float p);

    /// <summary>
    /// Runs <paramref name="kernel"/> over the whole spans, split across threads when they are large. Spans that a
    /// kernel does not use may be empty.
    /// </summary>
    public static void Run(SpanKernel kernel, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> d, float p)
    {
        int n = d.Length;
        if (n < ParallelThreshold || Threading.ThreadCount == 1)
        {
            kernel(x, y, g, d, p);
            return;
        }

        fixed (float* px = x, py = y, pg = g, pd = d)
        {
            nint ax = (nint)px, ay = (nint)py, ag = (nint)pg, ad = (nint)pd;
            int lx = x.Length, ly = y.Length, lg = g.Length;
            Threading.For(n, ParallelThreshold / 2, (s, e) => kernel(
                Slice(ax, lx, s, e),
                Slice(ay, ly, s, e),
                Slice(ag, lg, s, e),
                new Span<float>((float*)ad + s, e - s),
                p));
        }
    }

    private static ReadOnlySpan<float> Slice(nint p, int len, int s, int e) =>
        len == 0 ? default : new ReadOnlySpan<float>((float*)p + s, e - s);

    /// <summary>d += s · g / x.</summary>
    public static void AddScaledDiv(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float s, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8)
            {
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (vs * Vector256.LoadUnsafe(ref rg, (nuint)i) / Vector256.LoadUnsafe(ref rx, (nuint)i));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += s * g[i] / x[i];
        }
    }

    /// <summary>d += s · g · x.</summary>
    public static void AddScaledMul(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float s, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - 8; i += 8)
            {
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (vs * Vector256.LoadUnsafe(ref rg, (nuint)i) * Vector256.LoadUnsafe(ref rx, (nuint)i));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += s * g[i] * x[i];
        }
    }

    /// <summary>d += sign(x) · g, with sign(0) = 0 (the Abs subgradient).</summary>
    public static void AddSignMul(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var zero = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var vx = Vector256.LoadUnsafe(ref rx, (nuint)i);
                var vg = Vector256.LoadUnsafe(ref rg, (nuint)i);
                var pos = Vector256.ConditionalSelect(Vector256.GreaterThan(vx, zero), vg, zero);
                var neg = Vector256.ConditionalSelect(Vector256.LessThan(vx, zero), vg, zero);
                (Vector256.LoadUnsafe(ref rd, (nuint)i) + pos - neg).StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += x[i] > 0 ? g[i] : x[i] < 0 ? -g[i] : 0f;
        }
    }

    /// <summary>d += (y &gt; 0 ? g : 0) (ReLU backward through its output).</summary>
    public static void AddWherePositive(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, y);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var zero = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var mask = Vector256.GreaterThan(Vector256.LoadUnsafe(ref ry, (nuint)i), zero);
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (Vector256.LoadUnsafe(ref rg, (nuint)i) & mask);
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += y[i] > 0 ? g[i] : 0f;
        }
    }

    /// <summary>d += g · (1 − y²) (tanh backward through its output).</summary>
    public static void AddTanhGrad(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, y);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; i <= n - 8; i += 8)
            {
                var vy = Vector256.LoadUnsafe(ref ry, (nuint)i);
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (Vector256.LoadUnsafe(ref rg, (nuint)i) * (one - (vy * vy)));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += g[i] * (1f - (y[i] * y[i]));
        }
    }

    /// <summary>d += g · y · (1 − y) (sigmoid backward through its output).</summary>
    public static void AddSigmoidGrad(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, y);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256<float>.One;
            for (; i <= n - 8; i += 8)
            {
                var vy = Vector256.LoadUnsafe(ref ry, (nuint)i);
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (Vector256.LoadUnsafe(ref rg, (nuint)i) * vy * (one - vy));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += g[i] * y[i] * (1f - y[i]);
        }
    }

    /// <summary>d += y · (g − c) (softmax backward along a contiguous row, c = Σ g·y).</summary>
    public static void AddSoftmaxGrad(ReadOnlySpan<float> g, ReadOnlySpan<float> y, float c, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, y);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            var vc = Vector256.Create(c);
            for (; i <= n - 8; i += 8)
            {
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (Vector256.LoadUnsafe(ref ry, (nuint)i) * (Vector256.LoadUnsafe(ref rg, (nuint)i) - vc));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += y[i] * (g[i] - c);
        }
    }

    /// <summary>d += y · (g − c) elementwise with a vector c (softmax backward along a strided axis).</summary>
    public static void AddSoftmaxGrad(ReadOnlySpan<float> g, ReadOnlySpan<float> y, ReadOnlySpan<float> c, Span<float> d)
    {
        int n = d.Length, i = 0;
        Check(n, g, y);
        Check(n, c, c);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rc = ref MemoryMarshal.GetReference(c);
        ref float rd = ref MemoryMarshal.GetReference(d);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var vd = Vector256.LoadUnsafe(ref rd, (nuint)i) + (Vector256.LoadUnsafe(ref ry, (nuint)i) * (Vector256.LoadUnsafe(ref rg, (nuint)i) - Vector256.LoadUnsafe(ref rc, (nuint)i)));
                vd.StoreUnsafe(ref rd, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            d[i] += y[i] * (g[i] - c[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(int n, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length < n || b.Length < n)
        {
            ThrowLength();
        }
    }

    private static void ThrowLength() => throw new ArgumentException("Pointwise kernel: input spans are shorter than the destination.");
}
