using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// The same elements with another shape (PyTorch's <c>reshape</c>/<c>view</c>): the result is a view sharing
    /// <paramref name="a"/>'s storage, so no data is copied. One dimension may be −1 and is inferred from the others.
    /// </summary>
    /// <exception cref="ShapeMismatchException">The sizes disagree, or more than one −1 is given, or −1 cannot be inferred.</exception>
    public static Tensor Reshape(Tensor a, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(shape);
        return ReshapeView(a, ReshapeInferShape(a.Shape, shape));
    }

    /// <summary>The same elements with the given shape (a view; sizes must agree).</summary>
    public static Tensor Reshape(Tensor a, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(a);
        ShapeMismatchException.Require(shape.Size == a.Length, "Reshape", "the new shape must hold as many elements", a.Shape, shape);
        return ReshapeView(a, shape);
    }

    /// <summary>
    /// Flattens axes [<paramref name="startAxis"/>, end) into one (a view): [N, C, H, W] with startAxis 1 gives
    /// [N, C·H·W]. A negative axis counts from the end.
    /// </summary>
    public static Tensor Flatten(Tensor a, int startAxis = 1)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank == 0)
        {
            return ReshapeView(a, new Shape(1));
        }

        int start = a.Shape.NormalizeAxis(startAxis);
        ReadOnlySpan<int> d = a.Shape.Dims;
        int[] dims = new int[start + 1];
        for (int i = 0; i < start; i++)
        {
            dims[i] = d[i];
        }

        dims[start] = a.Shape.Product(start, a.Rank);
        return ReshapeView(a, Shape.Owned(dims));
    }

    private static Tensor ReshapeView(Tensor a, Shape shape)
    {
        var y = a.ViewAs(shape);
        return Autograd.ShouldRecord(a) ? y.WithGradFn(new ReshapeNode(a)) : y;
    }

    private static Shape ReshapeInferShape(Shape from, int[] shape)
    {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0)
                {
                    throw new ShapeMismatchException("Reshape", $"at most one dimension may be -1 (asked for [{string.Join(", ", shape)}])", from);
                }

                infer = i;
            }
            else if (shape[i] < 0)
            {
                throw new ShapeMismatchException("Reshape", $"dimensions must be non-negative or -1 (asked for [{string.Join(", ", shape)}])", from);
            }
            else
            {
                known *= shape[i];
            }
        }

        if (infer >= 0)
        {
            if (known == 0 || from.Size % known != 0)
            {
                throw new ShapeMismatchException("Reshape", $"cannot infer the -1 dimension of [{string.Join(", ", shape)}] from {from.Size} elements", from);
            }

            int[] dims = (int[])shape.Clone();
            dims[infer] = (int)(from.Size / known);
            return Shape.Owned(dims);
        }

        var s = new Shape(shape);
        ShapeMismatchException.Require(s.Size == from.Size, "Reshape", "the new shape must hold as many elements", from, s);
        return s;
    }

    /// <summary>Backward of a reshape view: the gradient has the same row-major layout, so it is added as is.</summary>
    private sealed class ReshapeNode : Node
    {
        public ReshapeNode(Tensor a)
            : base(a)
        {
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            ctx.AddGrad(Inputs[0], gradOutput);
        }
    }
}
