using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Matrix product. [m,k]·[k,n] → [m,n]; batched [B,m,k]·[B,k,n] → [B,m,n]; [B,m,k]·[k,n] → [B,m,n] (the
    /// matrix is shared across the batch); [m,k]·[B,k,n] → [B,m,n]. <paramref name="transA"/>/<paramref name="transB"/>
    /// use the operand's last two axes transposed (so a stored [k,m] with transA acts as [m,k]); no transpose is
    /// materialised, forward or backward.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int ra = a.Rank, rb = b.Rank;
        if (ra < 2 || ra > 3 || rb < 2 || rb > 3)
        {
            throw new ShapeMismatchException("MatMul", "operands of rank 2 or 3", a.Shape, b.Shape);
        }

        ReadOnlySpan<int> da = a.Shape.Dims, db = b.Shape.Dims;
        int m = transA ? da[ra - 1] : da[ra - 2];
        int k = transA ? da[ra - 2] : da[ra - 1];
        int k2 = transB ? db[rb - 1] : db[rb - 2];
        int n = transB ? db[rb - 2] : db[rb - 1];
        if (k != k2)
        {
            throw new ShapeMismatchException(
                "MatMul",
                $"inner dimensions must agree (transA={transA}, transB={transB}: {k} vs {k2})",
                a.Shape,
                b.Shape);
        }

        int batch = 1;
        if (ra == 3 && rb == 3)
        {
            ShapeMismatchException.Require(da[0] == db[0], "MatMul", "batch dimensions must agree", a.Shape, b.Shape);
            batch = da[0];
        }
        else if (ra == 3)
        {
            batch = da[0];
        }
        else if (rb == 3)
        {
            batch = db[0];
        }

        bool aBatched = ra == 3, bBatched = rb == 3;
        Shape outShape = ra == 2 && rb == 2 ? new Shape(m, n) : new Shape(batch, m, n);
        var y = Tensor.Scratch(outShape);

        // [B,m,k]·[k,n] with A not transposed is one [B·m, k]·[k, n] product.
        if (aBatched && !bBatched && !transA)
        {
            m *= batch;
            batch = 1;
            aBatched = false;
        }

        var p = new MatMulProblem(batch, m, n, k, transA, transB, aBatched, bBatched);
        ReadOnlySpan<float> sa = a.Span, sb = b.Span;
        Span<float> sc = y.Span;
        for (int i = 0; i < batch; i++)
        {
            Gemm.Multiply(p.SliceA(sa, i), transA, p.SliceB(sb, i), transB, p.SliceC(sc, i), m, n, k, accumulate: false);
        }

        return Autograd.ShouldRecord(a, b) ? y.WithGradFn(new MatMulNode(a, b, p)) : y;
    }

    /// <summary>
    /// Affine map x·Wᵀ + b (PyTorch's <c>F.linear</c>): x [..., in], weight [out, in], bias [out] or null →
    /// [..., out]. All leading axes of x are treated as one batch of rows, so the forward is a single GEMM.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
        {
            throw new ShapeMismatchException("Linear", "weight [out, in]", x.Shape, weight.Shape);
        }

        int outF = weight.Shape.Dims[0], inF = weight.Shape.Dims[1];
        if (x.Rank == 0 || x.Shape.Dims[x.Rank - 1] != inF)
        {
            throw new ShapeMismatchException("Linear", $"x [..., {inF}] for weight [{outF}, {inF}]", x.Shape, weight.Shape);
        }

        if (bias is not null && (bias.Rank != 1 || bias.Length != outF))
        {
            throw new ShapeMismatchException("Linear", $"bias [{outF}]", x.Shape, weight.Shape, bias.Shape);
        }

        int rows = x.Shape.Product(0, x.Rank - 1);
        var y = Tensor.Scratch(x.Shape.With(x.Rank - 1, outF));
        Span<float> yc = y.Span;
        if (bias is not null)
        {
            ReadOnlySpan<float> bs = bias.Span;
            for (int r = 0; r < rows; r++)
            {
                bs.CopyTo(yc.Slice(r * outF, outF));
            }
        }

        Gemm.Multiply(x.Span, false, weight.Span, true, yc, rows, outF, inF, accumulate: bias is not null);
        return Autograd.ShouldRecord(x, weight, bias) ? y.WithGradFn(new LinearNode(x, weight, bias, rows)) : y;
    }

    /// <summary>One recorded matrix product: C_i = op(A_i)·op(B_i) for i in [0, Batch), with strides per operand.</summary>
    private readonly record struct MatMulProblem(int Batch, int M, int N, int K, bool TransA, bool TransB, bool ABatched, bool BBatched)
    {
        public ReadOnlySpan<float> SliceA(ReadOnlySpan<float> a, int i) => ABatched ? a.Slice(i * M * K, M * K) : a[..(M * K)];

        public Span<float> SliceA(Span<float> a, int i) => ABatched ? a.Slice(i * M * K, M * K) : a[..(M * K)];

        public ReadOnlySpan<float> SliceB(ReadOnlySpan<float> b, int i) => BBatched ? b.Slice(i * K * N, K * N) : b[..(K * N)];

        public Span<float> SliceB(Span<float> b, int i) => BBatched ? b.Slice(i * K * N, K * N) : b[..(K * N)];

        public ReadOnlySpan<float> SliceC(ReadOnlySpan<float> c, int i) => c.Slice(i * M * N, M * N);

        public Span<float> SliceC(Span<float> c, int i) => c.Slice(i * M * N, M * N);
    }

    /// <summary>
    /// Backward of MatMul. With G = dC: d op(A) = G·op(B)ᵀ and d op(B) = op(A)ᵀ·G, each written as one GEMM on the
    /// stored operands by flipping transpose flags; a shared operand accumulates over the batch.
    /// </summary>
    private sealed class MatMulNode : Node
    {
        private readonly MatMulProblem _p;

        public MatMulNode(Tensor a, Tensor b, MatMulProblem p)
            : base(a, b)
        {
            _p = p;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            var p = _p;
            Span<float> ga = ctx.GradFor(Inputs[0]);
            Span<float> gb = ctx.GradFor(Inputs[1]);
            ReadOnlySpan<float> a = Inputs[0].Span, b = Inputs[1].Span;
            for (int i = 0; i < p.Batch; i++)
            {
                ReadOnlySpan<float> g = p.SliceC(gradOutput, i);
                if (!ga.IsEmpty)
                {
                    if (!p.TransA)
                    {
                        // dA[m,k] += G[m,n]·op(B)ᵀ
                        Gemm.Multiply(g, false, p.SliceB(b, i), !p.TransB, p.SliceA(ga, i), p.M, p.K, p.N, accumulate: true);
                    }
                    else
                    {
                        // A stored [k,m]: dA += op(B)[k,n]·Gᵀ
                        Gemm.Multiply(p.SliceB(b, i), p.TransB, g, true, p.SliceA(ga, i), p.K, p.M, p.N, accumulate: true);
                    }
                }

                if (!gb.IsEmpty)
                {
                    if (!p.TransB)
                    {
                        // dB[k,n] += op(A)ᵀ·G
                        Gemm.Multiply(p.SliceA(a, i), !p.TransA, g, false, p.SliceB(gb, i), p.K, p.N, p.M, accumulate: true);
                    }
                    else
                    {
                        // B stored [n,k]: dB += Gᵀ[n,m]·op(A)
                        Gemm.Multiply(g, true, p.SliceA(a, i), p.TransA, p.SliceB(gb, i), p.N, p.K, p.M, accumulate: true);
                    }
                }
            }
        }
    }

    /// <summary>Backward of Linear: dx = G·W, dW = Gᵀ·x (one GEMM each, no transposes materialised), db = column sums of G.</summary>
    private sealed class LinearNode : Node
    {
        private readonly int _rows;

        public LinearNode(Tensor x, Tensor weight, Tensor? bias, int rows)
            : base(bias is null ? [x, weight] : [x, weight, bias])
        {
            _rows = rows;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            int outF = w.Shape.Dims[0], inF = w.Shape.Dims[1];
            Span<float> gx = ctx.GradFor(x);
            if (!gx.IsEmpty)
            {
                Gemm.Multiply(gradOutput, false, w.Span, false, gx, _rows, inF, outF, accumulate: true);
            }

            Span<float> gw = ctx.GradFor(w);
            if (!gw.IsEmpty)
            {
                Gemm.Multiply(gradOutput, true, x.Span, false, gw, outF, inF, _rows, accumulate: true);
            }

            if (Inputs.Length > 2)
            {
                Span<float> gb = ctx.GradFor(Inputs[2]);
                if (!gb.IsEmpty)
                {
                    for (int r = 0; r < _rows; r++)
                    {
                        TensorPrimitives.Add(gb, gradOutput.Slice(r * outF, outF), gb);
                    }
                }
            }
        }
    }
}
