using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Swaps two axes (PyTorch's <c>transpose</c>), copying into a new contiguous tensor.</summary>
    public static Tensor Transpose(Tensor a, int axis0, int axis1)
    {
        ArgumentNullException.ThrowIfNull(a);
        int r = a.Rank;
        if (r == 0)
        {
            throw new ShapeMismatchException("Transpose", "a tensor of rank at least 1", a.Shape);
        }

        int i0 = TransposeAxis(a.Shape, axis0), i1 = TransposeAxis(a.Shape, axis1);
        int[] axes = new int[r];
        for (int i = 0; i < r; i++)
        {
            axes[i] = i;
        }

        (axes[i0], axes[i1]) = (axes[i1], axes[i0]);
        return PermuteCore(a, axes);
    }

    /// <summary>
    /// Reorders axes (PyTorch's <c>permute</c>): output axis i is input axis <c>axes[i]</c>; copies into a new
    /// contiguous tensor. Negative axes count from the end.
    /// </summary>
    public static Tensor Permute(Tensor a, params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(axes);
        int r = a.Rank;
        if (axes.Length != r)
        {
            throw new ArgumentException($"Permute: {axes.Length} axes [{string.Join(", ", axes)}] given for a tensor of shape {a.Shape}.", nameof(axes));
        }

        int[] norm = new int[r];
        Span<bool> seen = stackalloc bool[r];
        for (int i = 0; i < r; i++)
        {
            int ax = axes[i] < 0 ? axes[i] + r : axes[i];
            if (ax < 0 || ax >= r || seen[ax])
            {
                throw new ArgumentException($"Permute: [{string.Join(", ", axes)}] is not a permutation of the axes of shape {a.Shape}.", nameof(axes));
            }

            seen[ax] = true;
            norm[i] = ax;
        }

        return PermuteCore(a, norm);
    }

    private static int TransposeAxis(Shape s, int axis)
    {
        int r = s.Rank;
        int ax = axis < 0 ? axis + r : axis;
        if (ax < 0 || ax >= r)
        {
            throw new ArgumentException($"Transpose: axis {axis} is out of range for shape {s}.", nameof(axis));
        }

        return ax;
    }

    private static Tensor PermuteCore(Tensor a, int[] axes)
    {
        ReadOnlySpan<int> d = a.Shape.Dims;
        int r = d.Length;
        int[] outDims = new int[r];
        for (int i = 0; i < r; i++)
        {
            outDims[i] = d[axes[i]];
        }

        var plan = PermutePlan.Create(d, axes);
        var y = Tensor.Scratch(new Shape(outDims));
        plan.Apply(a.Span, y.Span, forward: true);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new PermuteNode(a, plan)) : y;
    }

    /// <summary>Backward of Permute/Transpose: the output gradient is scattered back through the inverse permutation (added).</summary>
    private sealed class PermuteNode : Node
    {
        private readonly PermutePlan _plan;

        public PermuteNode(Tensor a, PermutePlan plan)
            : base(a)
        {
            _plan = plan;
        }

        public override string Name => "Permute";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (!gx.IsEmpty)
            {
                _plan.Apply(gradOutput, gx, forward: false);
            }
        }
    }
}
