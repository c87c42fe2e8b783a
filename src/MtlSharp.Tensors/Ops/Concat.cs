using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Joins tensors along <paramref name="axis"/> (PyTorch's <c>cat</c>); all other dimensions must agree.
    /// Viewing each operand as [outer, axis, inner], the copy is one contiguous block per operand per outer index.
    /// </summary>
    public static Tensor Concat(ReadOnlySpan<Tensor> parts, int axis)
    {
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat: no tensors given.", nameof(parts));
        }

        Shape first = parts[0].Shape;
        if (first.Rank == 0)
        {
            throw new ShapeMismatchException("Concat", "tensors of rank at least 1", first);
        }

        int ax = ConcatAxis("Concat", first, axis, first.Rank);
        int total = 0;
        foreach (var p in parts)
        {
            ArgumentNullException.ThrowIfNull(p);
            Shape s = p.Shape;
            bool ok = s.Rank == first.Rank;
            for (int i = 0; ok && i < s.Rank; i++)
            {
                ok = i == ax || s.Dims[i] == first.Dims[i];
            }

            ShapeMismatchException.Require(ok, "Concat", $"all dimensions except axis {ax} must agree", first, s);
            total += s.Dims[ax];
        }

        int outer = first.Product(0, ax);
        int inner = first.Product(ax + 1, first.Rank);
        return ConcatCore(parts, outer, inner, first.With(ax, total), ax);
    }

    /// <summary>Stacks equal-shaped tensors along a new axis <paramref name="axis"/> (PyTorch's <c>stack</c>); axis may equal the rank.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> parts, int axis = 0)
    {
        if (parts.Length == 0)
        {
            throw new ArgumentException("Stack: no tensors given.", nameof(parts));
        }

        Shape first = parts[0].Shape;
        int ax = ConcatAxis("Stack", first, axis, first.Rank + 1);
        foreach (var p in parts)
        {
            ArgumentNullException.ThrowIfNull(p);
            ShapeMismatchException.Require(p.Shape == first, "Stack", "all tensors must have the same shape", first, p.Shape);
        }

        int[] dims = new int[first.Rank + 1];
        for (int i = 0, j = 0; i < dims.Length; i++)
        {
            dims[i] = i == ax ? parts.Length : first.Dims[j++];
        }

        return ConcatCore(parts, first.Product(0, ax), first.Product(ax, first.Rank), new Shape(dims), -1);
    }

    /// <summary>
    /// Splits along <paramref name="axis"/> into pieces of the given sizes (which must sum to that dimension); each
    /// piece is a copy with its own gradient link.
    /// </summary>
    public static Tensor[] Split(Tensor a, ReadOnlySpan<int> sizes, int axis)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank == 0)
        {
            throw new ShapeMismatchException("Split", "a tensor of rank at least 1", a.Shape);
        }

        int ax = ConcatAxis("Split", a.Shape, axis, a.Rank);
        int sum = 0;
        foreach (int s in sizes)
        {
            if (s < 0)
            {
                throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes.ToArray())}] must be non-negative.", nameof(sizes));
            }

            sum += s;
        }

        if (sum != a.Shape.Dims[ax])
        {
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes.ToArray())}] sum to {sum} but axis {ax} of shape {a.Shape} has {a.Shape.Dims[ax]}.", nameof(sizes));
        }

        var pieces = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            pieces[i] = SliceCore(a, ax, start, sizes[i]);
            start += sizes[i];
        }

        return pieces;
    }

    /// <summary>Elements [start, start + length) along <paramref name="axis"/> (a copy; PyTorch's <c>narrow</c>).</summary>
    public static Tensor Slice(Tensor a, int axis, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank == 0)
        {
            throw new ShapeMismatchException("Slice", "a tensor of rank at least 1", a.Shape);
        }

        int ax = ConcatAxis("Slice", a.Shape, axis, a.Rank);
        int dim = a.Shape.Dims[ax];
        if (start < 0 || length < 0 || start + length > dim)
        {
            throw new ArgumentException($"Slice: range [{start}, {start + length}) is outside axis {ax} of shape {a.Shape}.", nameof(start));
        }

        return SliceCore(a, ax, start, length);
    }

    private static int ConcatAxis(string op, Shape s, int axis, int rank)
    {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank)
        {
            throw new ArgumentException($"{op}: axis {axis} is out of range for shape {s}.", nameof(axis));
        }

        return ax;
    }

    /// <summary>
    /// Copies part p's [outer, block_p] rows into the output [outer, Σ block_p]. For Concat, block_p =
    /// dim_p(axis)·inner; for Stack (<paramref name="axis"/> −1) every block is <paramref name="inner"/>.
    /// </summary>
    private static Tensor ConcatCore(ReadOnlySpan<Tensor> parts, int outer, int inner, Shape outShape, int axis)
    {
        int[] blocks = new int[parts.Length];
        int total = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            blocks[p] = axis >= 0 ? parts[p].Shape.Dims[axis] * inner : inner;
            total += blocks[p];
        }

        var y = Tensor.Scratch(outShape);
        Span<float> dst = y.Span;
        int off = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            ReadOnlySpan<float> src = parts[p].Span;
            int b = blocks[p];
            for (int o = 0; o < outer; o++)
            {
                src.Slice(o * b, b).CopyTo(dst.Slice((o * total) + off, b));
            }

            off += b;
        }

        return Autograd.ShouldRecord(parts!)
            ? y.WithGradFn(new ConcatNode(parts.ToArray(), blocks, outer, total))
            : y;
    }

    private static Tensor SliceCore(Tensor a, int ax, int start, int length)
    {
        int dim = a.Shape.Dims[ax];
        int outer = a.Shape.Product(0, ax);
        int inner = a.Shape.Product(ax + 1, a.Rank);
        var y = Tensor.Scratch(a.Shape.With(ax, length));
        ReadOnlySpan<float> src = a.Span;
        Span<float> dst = y.Span;
        int b = length * inner;
        for (int o = 0; o < outer; o++)
        {
            src.Slice(((o * dim) + start) * inner, b).CopyTo(dst.Slice(o * b, b));
        }

        return Autograd.ShouldRecord(a) ? y.WithGradFn(new SliceNode(a, outer, dim * inner, start * inner, b)) : y;
    }

    /// <summary>Backward of Concat/Stack: each operand gets its blocks of the output gradient.</summary>
    private sealed class ConcatNode : Node
    {
        private readonly int[] _blocks;
        private readonly int _outer;
        private readonly int _total;

        public ConcatNode(Tensor[] parts, int[] blocks, int outer, int total)
            : base(parts)
        {
            _blocks = blocks;
            _outer = outer;
            _total = total;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            int off = 0;
            for (int p = 0; p < Inputs.Length; p++)
            {
                int b = _blocks[p];
                Span<float> gp = ctx.GradFor(Inputs[p]);
                if (!gp.IsEmpty)
                {
                    for (int o = 0; o < _outer; o++)
                    {
                        Span<float> dst = gp.Slice(o * b, b);
                        TensorPrimitives.Add(dst, gradOutput.Slice((o * _total) + off, b), dst);
                    }
                }

                off += b;
            }
        }
    }

    /// <summary>Backward of Slice/Split: the gradient is added into the sliced region of the input gradient.</summary>
    private sealed class SliceNode : Node
    {
        private readonly int _outer, _rowLength, _start, _block;

        public SliceNode(Tensor a, int outer, int rowLength, int start, int block)
            : base(a)
        {
            (_outer, _rowLength, _start, _block) = (outer, rowLength, start, block);
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            for (int o = 0; o < _outer; o++)
            {
                Span<float> dst = gx.Slice((o * _rowLength) + _start, _block);
                TensorPrimitives.Add(dst, gradOutput.Slice(o * _block, _block), dst);
            }
        }
    }
}
