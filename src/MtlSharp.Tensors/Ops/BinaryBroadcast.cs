using System.Numerics.Tensors;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    private enum BroadcastKind : byte
    {
        /// <summary>Equal shapes: one flat elementwise op.</summary>
        Same,

        /// <summary>The first operand is the smaller (broadcast) one.</summary>
        SmallA,

        /// <summary>The second operand is the smaller (broadcast) one.</summary>
        SmallB,
    }

    /// <summary>Elementwise kernels of the binary ops: vector–vector, vector–scalar and scalar–vector forms.</summary>
    private interface IBinaryKernel
    {
        static abstract void VV(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);

        static abstract void VS(ReadOnlySpan<float> x, float y, Span<float> d);

        static abstract void SV(float x, ReadOnlySpan<float> y, Span<float> d);
    }

    /// <summary>
    /// A resolved broadcast: the output (larger) shape viewed as [Outer, Mid, Inner], the smaller operand holding
    /// Mid elements. For <see cref="BroadcastKind.Same"/>, Outer = Mid = 1 and Inner is the length.
    /// </summary>
    private readonly struct Broadcast
    {
        public Broadcast(BroadcastKind kind, int outer, int mid, int inner)
        {
            Kind = kind;
            Outer = outer;
            Mid = mid;
            Inner = inner;
        }

        public BroadcastKind Kind { get; }

        public int Outer { get; }

        public int Mid { get; }

        public int Inner { get; }

        /// <summary>Independent forward work units: elements (Same), rows of Mid (Inner = 1) or runs of Inner.</summary>
        public int Units => Kind == BroadcastKind.Same ? Inner : Inner == 1 ? Outer : Outer * Mid;

        /// <summary>Elements per work unit.</summary>
        public int UnitLength => Kind == BroadcastKind.Same ? 1 : Inner == 1 ? Mid : Inner;
    }

    private static Broadcast ResolveBroadcast(BinaryOp op, Shape sa, Shape sb, out Shape outShape)
    {
        if (sa == sb)
        {
            outShape = sa;
            return new Broadcast(BroadcastKind.Same, 1, 1, sa.Size);
        }

        // The larger operand is the one with more elements (then higher rank); the other orientation is tried too,
        // which only matters for empty tensors ([0, 3] against [3]).
        bool aLarge = sa.Size != sb.Size ? sa.Size > sb.Size : sa.Rank > sb.Rank;
        for (int attempt = 0; attempt < 2; attempt++, aLarge = !aLarge)
        {
            Shape large = aLarge ? sa : sb, small = aLarge ? sb : sa;
            if (TryBlock(large, small, out int outer, out int mid, out int inner))
            {
                outShape = large;
                return new Broadcast(aLarge ? BroadcastKind.SmallB : BroadcastKind.SmallA, outer, mid, inner);
            }
        }

        throw BroadcastError(op, sa, sb);
    }

    /// <summary>
    /// Finds the contiguous block of axes on which <paramref name="small"/> (right-aligned) equals
    /// <paramref name="large"/>, with 1s elsewhere.
    /// </summary>
    private static bool TryBlock(Shape large, Shape small, out int outer, out int mid, out int inner)
    {
        outer = mid = inner = 0;
        ReadOnlySpan<int> l = large.Dims, s = small.Dims;
        while (s.Length > l.Length)
        {
            if (s[0] != 1)
            {
                return false;
            }

            s = s[1..];
        }

        int pad = l.Length - s.Length, first = -1, last = -1;
        for (int j = 0; j < s.Length; j++)
        {
            if (s[j] != 1)
            {
                if (first < 0)
                {
                    first = j;
                }

                last = j;
            }
        }

        if (first < 0)
        {
            // A scalar (all ones): one run over everything.
            outer = 1;
            mid = 1;
            inner = large.Size;
            return true;
        }

        for (int j = first; j <= last; j++)
        {
            if (s[j] != l[pad + j])
            {
                return false;
            }
        }

        outer = large.Product(0, pad + first);
        mid = large.Product(pad + first, pad + last + 1);
        inner = large.Product(pad + last + 1, l.Length);
        return true;
    }

    private static ShapeMismatchException BroadcastError(BinaryOp op, Shape a, Shape b) => new(
        op.ToString(),
        "shapes must be equal, or the smaller (right-aligned) must equal the larger on one contiguous block of axes and be 1 elsewhere",
        a,
        b);

    private readonly struct AddKernel : IBinaryKernel
    {
        public static void VV(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);

        public static void VS(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);

        public static void SV(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
    }

    private readonly struct SubKernel : IBinaryKernel
    {
        public static void VV(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);

        public static void VS(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);

        public static void SV(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    }

    private readonly struct MulKernel : IBinaryKernel
    {
        public static void VV(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);

        public static void VS(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);

        public static void SV(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
    }

    private readonly struct DivKernel : IBinaryKernel
    {
        public static void VV(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);

        public static void VS(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);

        public static void SV(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    }
}
