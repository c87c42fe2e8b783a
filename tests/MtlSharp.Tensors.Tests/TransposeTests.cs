using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Transpose and Permute: values on the fast (batched transpose) and general paths, gradients, errors.</summary>
public sealed class TransposeTests
{
    private static Tensor Rand(ulong seed, bool grad, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, 1f, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    /// <summary>Reference: out[idx] = a[idx permuted back] by walking every output index.</summary>
    private static void AssertPermuted(Tensor a, int[] axes, Tensor y)
    {
        int r = a.Rank;
        var outDims = new int[r];
        for (int i = 0; i < r; i++)
        {
            outDims[i] = a.Shape.Dims[axes[i]];
        }

        Assert.Equal(new Shape(outDims), y.Shape);
        var oi = new int[r];
        var ii = new int[r];
        for (int flat = 0; flat < y.Length; flat++)
        {
            int rem = flat;
            for (int ax = r - 1; ax >= 0; ax--)
            {
                oi[ax] = rem % outDims[ax];
                rem /= outDims[ax];
            }

            for (int ax = 0; ax < r; ax++)
            {
                ii[axes[ax]] = oi[ax];
            }

            Assert.Equal(a[ii], y.Span[flat]);
        }
    }

    [Fact]
    public void TransposeLastTwoAxes()
    {
        var a = Rand(1, false, 3, 37, 21); // several 16-wide tiles with ragged edges
        AssertPermuted(a, [0, 2, 1], Ops.Transpose(a, -1, -2));
        var m = Rand(2, false, 5, 7);
        AssertPermuted(m, [1, 0], Ops.Transpose(m, 0, 1));
    }

    [Fact]
    public void GeneralPermutations()
    {
        var a = Rand(3, false, 2, 3, 4, 5);
        AssertPermuted(a, [0, 2, 3, 1], Ops.Permute(a, 0, 2, 3, 1)); // NCHW → NHWC (merged to a batched transpose)
        AssertPermuted(a, [3, 1, 0, 2], Ops.Permute(a, 3, 1, 0, 2));
        AssertPermuted(a, [2, 1, 0, 3], Ops.Transpose(a, 0, 2));
        AssertPermuted(a, [0, 1, 2, 3], Ops.Permute(a, 0, 1, 2, 3));
        var b = Rand(4, false, 2, 1, 3);
        AssertPermuted(b, [1, 0, 2], Ops.Permute(b, 1, 0, 2)); // only a size-1 axis moves
    }

    [Fact]
    public void OutputIsACopy()
    {
        var a = Rand(5, false, 2, 3);
        var y = Ops.Transpose(a, 0, 1);
        Assert.NotSame(a.Buffer, y.Buffer);
    }

    [Fact]
    public void GradCheckAllPaths()
    {
        GradCheck.Check("Transpose 2-D", t => Ops.Transpose(t[0], 0, 1), [Rand(6, true, 3, 5)]);
        GradCheck.Check("Transpose last two", t => Ops.Transpose(t[0], 1, 2), [Rand(7, true, 2, 3, 4)]);
        GradCheck.Check("Transpose 0,1", t => Ops.Transpose(t[0], 0, 1), [Rand(8, true, 2, 3, 4)]);
        GradCheck.Check("Permute 4-D", t => Ops.Permute(t[0], 3, 1, 0, 2), [Rand(9, true, 2, 3, 2, 3)]);
        GradCheck.Check("Permute NHWC", t => Ops.Permute(t[0], 0, 2, 3, 1), [Rand(10, true, 2, 3, 2, 2)]);
        GradCheck.Check("Permute identity", t => Ops.Permute(t[0], 1, 0, 2), [Rand(11, true, 2, 1, 3)]);
    }

    [Fact]
    public void BadAxesNameTheOp()
    {
        var a = Tensor.Zeros(2, 3, 4);
        Assert.Contains("Permute", Assert.Throws<ArgumentException>(() => Ops.Permute(a, 0, 0, 1)).Message);
        Assert.Contains("Permute", Assert.Throws<ArgumentException>(() => Ops.Permute(a, 0, 1)).Message);
        Assert.Contains("Transpose", Assert.Throws<ArgumentException>(() => Ops.Transpose(a, 0, 3)).Message);
    }
}
