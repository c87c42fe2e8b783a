using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using K = MtlSharp.Tensors.Kernels.PointwiseKernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Below this many floats a row temporary lives on the stack; above, it is rented from the arena.</summary>
    private const int StackFloats = 1024;

    /// <summary>
    /// Softmax along <paramref name="axis"/>, numerically stable (the row maximum is subtracted before e^x), as
    /// <c>torch.softmax</c>. The last axis runs row by row; other axes are vectorised across the trailing block.
    /// Backward: ∂x = y ⊙ (g − Σ g ⊙ y) through the saved output.
    /// </summary>
    public static Tensor Softmax(Tensor a, int axis = -1) => SoftmaxCore(a, axis, log: false);

    /// <summary>
    /// Log-softmax along <paramref name="axis"/>: x − max − log Σ e^(x − max) (numerically stable), as
    /// <c>torch.log_softmax</c>. Backward: ∂x = g − e^y · Σ g through the saved output.
    /// </summary>
    public static Tensor LogSoftmax(Tensor a, int axis = -1) => SoftmaxCore(a, axis, log: true);

    private static Tensor SoftmaxCore(Tensor a, int axis, bool log)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank == 0)
        {
            throw new ArgumentException($"{(log ? "LogSoftmax" : "Softmax")}: needs at least one axis; got a scalar.", nameof(a));
        }

        int ax = a.Shape.NormalizeAxis(axis);
        int outer = a.Shape.Product(0, ax), n = a.Shape.Dims[ax], inner = a.Shape.Product(ax + 1, a.Rank);
        var y = Tensor.Scratch(a.Shape);
        ReadOnlySpan<float> x = a.Span;
        Span<float> ys = y.Span;
        if (n > 0)
        {
            if (inner == 1)
            {
                for (int o = 0; o < outer; o++)
                {
                    SoftmaxRow(x.Slice(o * n, n), ys.Slice(o * n, n), log);
                }
            }
            else
            {
                Tensor? rent = inner > StackFloats / 2 ? Tensor.Scratch(new Shape(2 * inner)) : null;
                Span<float> tmp = rent is null ? stackalloc float[2 * inner] : rent.Span;
                for (int o = 0; o < outer; o++)
                {
                    SoftmaxStrided(x.Slice(o * n * inner, n * inner), ys.Slice(o * n * inner, n * inner), n, inner, tmp, log);
                }
            }
        }

        return Autograd.ShouldRecord(a) ? y.WithGradFn(new SoftmaxNode(a, outer, n, inner, log)) : y;
    }

    private static void SoftmaxRow(ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        float sum = FixedOrder.Sum(y);
        if (log)
        {
            TensorPrimitives.Subtract(x, max + MathF.Log(sum), y);
        }
        else
        {
            TensorPrimitives.Multiply(y, 1f / sum, y);
        }
    }

    /// <summary>One [n, inner] block, softmax along n, vectorised across inner.</summary>
    private static void SoftmaxStrided(ReadOnlySpan<float> x, Span<float> y, int n, int inner, Span<float> tmp, bool log)
    {
        Span<float> max = tmp[..inner], sum = tmp.Slice(inner, inner);
        x[..inner].CopyTo(max);
        for (int k = 1; k < n; k++)
        {
            TensorPrimitives.Max(max, x.Slice(k * inner, inner), max);
        }

        sum.Clear();
        for (int k = 0; k < n; k++)
        {
            Span<float> row = y.Slice(k * inner, inner);
            TensorPrimitives.Subtract(x.Slice(k * inner, inner), max, row);
            TensorPrimitives.Exp(row, row);
            TensorPrimitives.Add(sum, row, sum);
        }

        if (log)
        {
            // log-softmax = x − (max + log sum)
            TensorPrimitives.Log(sum, sum);
            TensorPrimitives.Add(sum, max, sum);
            for (int k = 0; k < n; k++)
            {
                TensorPrimitives.Subtract(x.Slice(k * inner, inner), sum, y.Slice(k * inner, inner));
            }
        }
        else
        {
            TensorPrimitives.Reciprocal(sum, sum);
            for (int k = 0; k < n; k++)
            {
                Span<float> row = y.Slice(k * inner, inner);
                TensorPrimitives.Multiply(row, sum, row);
            }
        }
    }

    private sealed class SoftmaxNode : Node
    {
        private readonly int _outer, _n, _inner;
        private readonly bool _log;

        public SoftmaxNode(Tensor x, int outer, int n, int inner, bool log)
            : base(x)
        {
            _outer = outer;
            _n = n;
            _inner = inner;
            _log = log;
        }

        public override string Name => _log ? "LogSoftmax" : "Softmax";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty || _n == 0)
            {
                return;
            }

            ReadOnlySpan<float> y = output.Span;
            int n = _n, inner = _inner, block = n * inner;
            int tmpLen = _log ? (inner == 1 ? n : 2 * inner) : inner;
            Tensor? rent = tmpLen > StackFloats ? Tensor.Scratch(new Shape(tmpLen)) : null;
            Span<float> tmp = rent is null ? stackalloc float[tmpLen] : rent.Span;
            for (int o = 0; o < _outer; o++)
            {
                ReadOnlySpan<float> yb = y.Slice(o * block, block), gb = gradOutput.Slice(o * block, block);
                Span<float> db = gx.Slice(o * block, block);
                if (inner == 1)
                {
                    if (_log)
                    {
                        // dx = g − e^y Σg
                        float s = FixedOrder.Sum(gb);
                        TensorPrimitives.Exp(yb, tmp);
                        TensorPrimitives.MultiplyAdd(tmp, -s, gb, tmp);
                        TensorPrimitives.Add(db, tmp, db);
                    }
                    else
                    {
                        K.AddSoftmaxGrad(gb, yb, FixedOrder.Dot(gb, yb), db);
                    }

                    continue;
                }

                Span<float> c = tmp[..inner];
                c.Clear();
                if (_log)
                {
                    Span<float> e = tmp.Slice(inner, inner);
                    for (int k = 0; k < n; k++)
                    {
                        TensorPrimitives.Add(c, gb.Slice(k * inner, inner), c);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        // dx_k = g_k − e^{y_k} ⊙ c
                        TensorPrimitives.Exp(yb.Slice(k * inner, inner), e);
                        TensorPrimitives.Multiply(e, c, e);
                        TensorPrimitives.Subtract(gb.Slice(k * inner, inner), e, e);
                        Span<float> d = db.Slice(k * inner, inner);
                        TensorPrimitives.Add(d, e, d);
                    }
                }
                else
                {
                    for (int k = 0; k < n; k++)
                    {
                        TensorPrimitives.FusedMultiplyAdd(gb.Slice(k * inner, inner), yb.Slice(k * inner, inner), c, c);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        K.AddSoftmaxGrad(gb.Slice(k * inner, inner), yb.Slice(k * inner, inner), c, db.Slice(k * inner, inner));
                    }
                }
            }
        }
    }
}
