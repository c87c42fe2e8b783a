using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Sum of all elements (shape []).</summary>
    public static Tensor Sum(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = FixedOrder.Sum(a.Span);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new ReduceAllNode(a, 1f, -1, "Sum")) : y;
    }

    /// <summary>Sum along <paramref name="axis"/>; keeps it as size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor a, int axis, bool keepDim = false) => SumAxis(a, axis, keepDim, mean: false);

    /// <summary>Mean of all elements (shape []).</summary>
    public static Tensor Mean(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var y = Tensor.Scratch(Shape.Scalar);
        float inv = 1f / a.Length;
        y.Span[0] = FixedOrder.Sum(a.Span) * inv;
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new ReduceAllNode(a, inv, -1, "Mean")) : y;
    }

    /// <summary>Mean along <paramref name="axis"/>; keeps it as size 1 when <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor a, int axis, bool keepDim = false) => SumAxis(a, axis, keepDim, mean: true);

    /// <summary>Maximum of all elements (shape []); the gradient goes to the first maximal element.</summary>
    public static Tensor Max(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Length == 0)
        {
            throw new ArgumentException("Max: the tensor is empty.", nameof(a));
        }

        int idx = TensorPrimitives.IndexOfMax(a.Span);
        var y = Tensor.Scratch(Shape.Scalar);
        y.Span[0] = a.Span[idx];
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new ReduceAllNode(a, 1f, idx, "Max")) : y;
    }

    /// <summary>Maximum along <paramref name="axis"/>; the gradient goes to the first maximal element.</summary>
    public static Tensor Max(Tensor a, int axis, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        var (outer, n, inner, outShape) = ReduceGeometry(a, axis, keepDim, "Max");
        if (n == 0)
        {
            throw new ArgumentException($"Max: axis {axis} of shape {a.Shape} is empty.", nameof(axis));
        }

        var y = Tensor.Scratch(outShape);
        bool record = Autograd.ShouldRecord(a);

        // The argmax indices are kept for backward as int bits inside an arena float buffer.
        Tensor? indexStore = record ? Tensor.Scratch(outShape) : null;
        Span<int> idx = indexStore is null ? default : MemoryMarshal.Cast<float, int>(indexStore.Span);
        ReadOnlySpan<float> x = a.Span;
        Span<float> ys = y.Span;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> blk = x.Slice(o * n * inner, n * inner);
            if (inner == 1)
            {
                int k = TensorPrimitives.IndexOfMax(blk);
                ys[o] = blk[k];
                if (record)
                {
                    idx[o] = k;
                }

                continue;
            }

            Span<float> yr = ys.Slice(o * inner, inner);
            blk[..inner].CopyTo(yr);
            Span<int> ir = record ? idx.Slice(o * inner, inner) : default;
            ir.Clear();
            for (int k = 1; k < n; k++)
            {
                ReadOnlySpan<float> row = blk.Slice(k * inner, inner);
                for (int i = 0; i < inner; i++)
                {
                    if (row[i] > yr[i])
                    {
                        yr[i] = row[i];
                        if (record)
                        {
                            ir[i] = k;
                        }
                    }
                }
            }
        }

        return record ? y.WithGradFn(new MaxAxisNode(a, indexStore!, outer, n, inner)) : y;
    }

    /// <summary>Index of the first maximum along the last axis, for each row (not differentiable).</summary>
    public static int[] ArgMax(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        int c = a.Shape.Last;
        if (c == 0)
        {
            throw new ArgumentException($"ArgMax: the last axis of shape {a.Shape} is empty.", nameof(a));
        }

        int rows = a.Length / c;
        int[] result = new int[rows];
        ReadOnlySpan<float> x = a.Span;
        for (int r = 0; r < rows; r++)
        {
            result[r] = TensorPrimitives.IndexOfMax(x.Slice(r * c, c));
        }

        return result;
    }

    private static (int Outer, int N, int Inner, Shape OutShape) ReduceGeometry(Tensor a, int axis, bool keepDim, string op)
    {
        if (a.Rank == 0)
        {
            throw new ArgumentException($"{op}: cannot reduce along axis {axis} of a scalar.", nameof(a));
        }

        int ax = a.Shape.NormalizeAxis(axis);
        ReadOnlySpan<int> dims = a.Shape.Dims;
        int[] od = new int[keepDim ? dims.Length : dims.Length - 1];
        for (int i = 0, j = 0; i < dims.Length; i++)
        {
            if (i != ax)
            {
                od[j++] = dims[i];
            }
            else if (keepDim)
            {
                od[j++] = 1;
            }
        }

        return (a.Shape.Product(0, ax), dims[ax], a.Shape.Product(ax + 1, dims.Length), new Shape(od));
    }

    private static Tensor SumAxis(Tensor a, int axis, bool keepDim, bool mean)
    {
        ArgumentNullException.ThrowIfNull(a);
        var (outer, n, inner, outShape) = ReduceGeometry(a, axis, keepDim, mean ? "Mean" : "Sum");
        float scale = mean ? 1f / n : 1f;
        var y = Tensor.Scratch(outShape);
        ReadOnlySpan<float> x = a.Span;
        Span<float> ys = y.Span;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> blk = x.Slice(o * n * inner, n * inner);
            if (inner == 1)
            {
                ys[o] = FixedOrder.Sum(blk) * scale;
                continue;
            }

            Span<float> yr = ys.Slice(o * inner, inner);
            yr.Clear();
            for (int k = 0; k < n; k++)
            {
                TensorPrimitives.Add(yr, blk.Slice(k * inner, inner), yr);
            }

            if (mean)
            {
                TensorPrimitives.Multiply(yr, scale, yr);
            }
        }

        return Autograd.ShouldRecord(a) ? y.WithGradFn(new SumAxisNode(a, outer, n, inner, scale, mean)) : y;
    }

    /// <summary>Backward of Sum/Mean (index &lt; 0: gx += scale·g everywhere) and Max (gx[index] += g).</summary>
    private sealed class ReduceAllNode : Node
    {
        private readonly float _scale;
        private readonly int _index;
        private readonly string _name;

        public ReduceAllNode(Tensor x, float scale, int index, string name)
            : base(x)
        {
            _scale = scale;
            _index = index;
            _name = name;
        }

        public override string Name => _name;

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            if (_index >= 0)
            {
                gx[_index] += gradOutput[0];
            }
            else
            {
                TensorPrimitives.Add(gx, gradOutput[0] * _scale, gx);
            }
        }
    }

    private sealed class SumAxisNode : Node
    {
        private readonly int _outer, _n, _inner;
        private readonly float _scale;
        private readonly bool _mean;

        public SumAxisNode(Tensor x, int outer, int n, int inner, float scale, bool mean)
            : base(x)
        {
            _outer = outer;
            _n = n;
            _inner = inner;
            _scale = scale;
            _mean = mean;
        }

        public override string Name => _mean ? "Mean" : "Sum";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            int n = _n, inner = _inner;
            for (int o = 0; o < _outer; o++)
            {
                Span<float> blk = gx.Slice(o * n * inner, n * inner);
                if (inner == 1)
                {
                    TensorPrimitives.Add(blk, gradOutput[o] * _scale, blk);
                    continue;
                }

                ReadOnlySpan<float> gr = gradOutput.Slice(o * inner, inner);
                for (int k = 0; k < n; k++)
                {
                    Span<float> d = blk.Slice(k * inner, inner);
                    TensorPrimitives.MultiplyAdd(gr, _scale, d, d);
                }
            }
        }
    }

    private sealed class MaxAxisNode : Node
    {
        private readonly Tensor _indices;
        private readonly int _outer, _n, _inner;

        public MaxAxisNode(Tensor x, Tensor indices, int outer, int n, int inner)
            : base(x)
        {
            _indices = indices;
            _outer = outer;
            _n = n;
            _inner = inner;
        }

        public override string Name => "Max";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            ReadOnlySpan<int> idx = MemoryMarshal.Cast<float, int>(_indices.Span);
            int n = _n, inner = _inner;
            for (int o = 0; o < _outer; o++)
            {
                int baseOff = o * n * inner;
                for (int i = 0; i < inner; i++)
                {
                    int j = (o * inner) + i;
                    gx[baseOff + (idx[j] * inner) + i] += gradOutput[j];
                }
            }
        }
    }
}
