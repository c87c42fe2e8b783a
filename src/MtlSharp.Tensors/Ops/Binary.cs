using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

/// <summary>
/// The differentiable ops. One file per op family; each file holds the forward, its shape checks and its backward
/// node.
/// </summary>
/// <remarks>
/// <para><b>Broadcasting</b> (binary elementwise ops): the output has the shape of the larger operand. The smaller
/// operand, aligned to the right and padded with leading 1s, must equal the larger one on one contiguous block of
/// axes and be 1 elsewhere. That covers: a scalar (one element) against anything; a bias [C] against [..., C]; a
/// per-channel [C,1,1] or [1,C,1,1] against [N,C,H,W]; a column [N,1] against [N,M]. Anything else throws a
/// <see cref="ShapeMismatchException"/> naming both shapes.</para>
/// <para>Either operand may be the smaller one. The larger shape is then viewed as [outer, mid, inner] with the
/// smaller operand of length mid: inner = 1 is the bias/row case (one vectorised row op per outer index), inner &gt; 1
/// the per-channel/column case (one vector-scalar op per (outer, mid) run). The gradient of the smaller operand
/// sums over outer and inner.</para>
/// </remarks>
public static partial class Ops
{
    /// <summary>a + b with broadcasting (see the class remarks).</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary<AddKernel>(BinaryOp.Add, a, b);

    /// <summary>a − b with broadcasting (see the class remarks).</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Binary<SubKernel>(BinaryOp.Sub, a, b);

    /// <summary>a ⊙ b with broadcasting (see the class remarks).</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Binary<MulKernel>(BinaryOp.Mul, a, b);

    /// <summary>a / b with broadcasting (see the class remarks).</summary>
    public static Tensor Div(Tensor a, Tensor b) => Binary<DivKernel>(BinaryOp.Div, a, b);

    private static Tensor Binary<TK>(BinaryOp op, Tensor a, Tensor b)
        where TK : struct, IBinaryKernel
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var bc = ResolveBroadcast(op, a.Shape, b.Shape, out Shape outShape);
        var y = Tensor.Scratch(outShape);
        int total = outShape.Size;
        if (total < Kernels.PointwiseKernels.ParallelThreshold || Threading.ThreadCount == 1 || bc.Units == 1)
        {
            BinaryRange<TK>(a.Span, b.Span, y.Span, bc, 0, bc.Units);
        }
        else
        {
            int grain = Math.Max(1, Kernels.PointwiseKernels.ParallelThreshold / 2 / bc.UnitLength);
            Threading.For(bc.Units, grain, (s, e) => BinaryRange<TK>(a.Span, b.Span, y.Span, bc, s, e));
        }

        return Autograd.ShouldRecord(a, b) ? y.WithGradFn(new BinaryNode(op, a, b, bc)) : y;
    }

    /// <summary>Forward over work units [start, end) (elements, rows of mid, or runs of inner; see <see cref="Broadcast"/>).</summary>
    private static void BinaryRange<TK>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, Broadcast bc, int start, int end)
        where TK : struct, IBinaryKernel
    {
        int len = bc.UnitLength;
        if (bc.Kind == BroadcastKind.Same)
        {
            TK.VV(a[start..end], b[start..end], y[start..end]);
        }
        else if (bc.Inner == 1)
        {
            for (int u = start; u < end; u++)
            {
                int o = u * len;
                if (bc.Kind == BroadcastKind.SmallB)
                {
                    TK.VV(a.Slice(o, len), b, y.Slice(o, len));
                }
                else
                {
                    TK.VV(a, b.Slice(o, len), y.Slice(o, len));
                }
            }
        }
        else
        {
            int mid = bc.Mid;
            int m = start % mid;
            for (int u = start; u < end; u++)
            {
                int o = u * len;
                if (bc.Kind == BroadcastKind.SmallB)
                {
                    TK.VS(a.Slice(o, len), b[m], y.Slice(o, len));
                }
                else
                {
                    TK.SV(a[m], b.Slice(o, len), y.Slice(o, len));
                }

                if (++m == mid)
                {
                    m = 0;
                }
            }
        }
    }

    private enum BinaryOp : byte
    {
        Add,
        Sub,
        Mul,
        Div,
    }

    /// <summary>Backward of Add/Sub/Mul/Div under a resolved broadcast.</summary>
    private sealed class BinaryNode : Node
    {
        private readonly BinaryOp _op;
        private readonly Broadcast _bc;

        public BinaryNode(BinaryOp op, Tensor a, Tensor b, Broadcast bc)
            : base(a, b)
        {
            _op = op;
            _bc = bc;
        }

        public override string Name => _op.ToString();

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> g)
        {
            bool aSmall = _bc.Kind == BroadcastKind.SmallA, bSmall = _bc.Kind == BroadcastKind.SmallB;
            if (_op is BinaryOp.Add or BinaryOp.Sub)
            {
                // Full-size operands take g as it is (copied into a fresh gradient buffer, or added).
                if (!aSmall)
                {
                    ctx.AddGrad(Inputs[0], g);
                }
                else if (ctx.GradFor(Inputs[0]) is { IsEmpty: false } gaSmall)
                {
                    AccumulateGrad(gaSmall, g, aSmall, _bc, negate: false);
                }

                if (!bSmall && _op == BinaryOp.Add)
                {
                    ctx.AddGrad(Inputs[1], g);
                }
                else if (ctx.GradFor(Inputs[1]) is { IsEmpty: false } gbOther)
                {
                    AccumulateGrad(gbOther, g, bSmall, _bc, negate: _op == BinaryOp.Sub);
                }

                return;
            }

            Span<float> ga = ctx.GradFor(Inputs[0]);
            Span<float> gb = ctx.GradFor(Inputs[1]);
            switch (_op)
            {
                case BinaryOp.Mul:
                    if (!ga.IsEmpty)
                    {
                        AccumulateProduct(ga, g, Inputs[1].Span, aSmall, bSmall, _bc);
                    }

                    if (!gb.IsEmpty)
                    {
                        AccumulateProduct(gb, g, Inputs[0].Span, bSmall, aSmall, _bc);
                    }

                    break;
                default:
                    if (ga.IsEmpty && gb.IsEmpty)
                    {
                        return;
                    }

                    // t = g / b (broadcast like the forward); ∂a = t, ∂b = −t ⊙ y.
                    var t = Tensor.Scratch(output.Shape);
                    var tbc = aSmall ? new Broadcast(BroadcastKind.Same, 1, 1, output.Length) : _bc;
                    BinaryRange<DivKernel>(g, Inputs[1].Span, t.Span, tbc, 0, tbc.Units);
                    if (!ga.IsEmpty)
                    {
                        AccumulateGrad(ga, t.Span, aSmall, _bc, negate: false);
                    }

                    if (!gb.IsEmpty)
                    {
                        TensorPrimitives.Multiply(t.Span, output.Span, t.Span);
                        AccumulateGrad(gb, t.Span, bSmall, _bc, negate: true);
                    }

                    break;
            }
        }
    }

    /// <summary>dst ±= src, summing over outer and inner when dst is the broadcast operand.</summary>
    private static void AccumulateGrad(Span<float> dst, ReadOnlySpan<float> src, bool dstSmall, Broadcast bc, bool negate)
    {
        if (!dstSmall)
        {
            if (negate)
            {
                TensorPrimitives.Subtract(dst, src, dst);
            }
            else
            {
                TensorPrimitives.Add(dst, src, dst);
            }

            return;
        }

        int mid = bc.Mid, inner = bc.Inner;
        if (inner == 1)
        {
            for (int o = 0; o < bc.Outer; o++)
            {
                ReadOnlySpan<float> row = src.Slice(o * mid, mid);
                if (negate)
                {
                    TensorPrimitives.Subtract(dst, row, dst);
                }
                else
                {
                    TensorPrimitives.Add(dst, row, dst);
                }
            }

            return;
        }

        int off = 0;
        for (int o = 0; o < bc.Outer; o++)
        {
            for (int m = 0; m < mid; m++, off += inner)
            {
                float s = FixedOrder.Sum(src.Slice(off, inner));
                dst[m] += negate ? -s : s;
            }
        }
    }

    /// <summary>dst += g ⊙ other (other broadcast), summing over outer and inner when dst is the broadcast operand.</summary>
    private static void AccumulateProduct(Span<float> dst, ReadOnlySpan<float> g, ReadOnlySpan<float> other, bool dstSmall, bool otherSmall, Broadcast bc)
    {
        if (!dstSmall && !otherSmall)
        {
            TensorPrimitives.FusedMultiplyAdd(g, other, dst, dst);
            return;
        }

        int mid = bc.Mid, inner = bc.Inner;
        if (inner == 1)
        {
            for (int o = 0; o < bc.Outer; o++)
            {
                int off = o * mid;
                if (dstSmall)
                {
                    TensorPrimitives.FusedMultiplyAdd(g.Slice(off, mid), other.Slice(off, mid), dst, dst);
                }
                else
                {
                    Span<float> d = dst.Slice(off, mid);
                    TensorPrimitives.FusedMultiplyAdd(g.Slice(off, mid), other, d, d);
                }
            }

            return;
        }

        int p = 0;
        for (int o = 0; o < bc.Outer; o++)
        {
            for (int m = 0; m < mid; m++, p += inner)
            {
                if (dstSmall)
                {
                    dst[m] += FixedOrder.Dot(g.Slice(p, inner), other.Slice(p, inner));
                }
                else
                {
                    Span<float> d = dst.Slice(p, inner);
                    TensorPrimitives.MultiplyAdd(g.Slice(p, inner), other[m], d, d);
                }
            }
        }
    }
}
