using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Concat, Stack, Split and Slice along first, middle and last axes.</summary>
public sealed class ConcatTests
{
    private static Tensor Rand(ulong seed, bool grad, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, 1f, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    private static int[] Unflatten(int flat, ReadOnlySpan<int> dims)
    {
        var idx = new int[dims.Length];
        for (int ax = dims.Length - 1; ax >= 0; ax--)
        {
            idx[ax] = flat % dims[ax];
            flat /= dims[ax];
        }

        return idx;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void ConcatPlacesEachPart(int axis)
    {
        int ax = axis < 0 ? axis + 3 : axis;
        var p0 = Rand(1, false, new Shape(2, 3, 4).With(ax, 2).ToArray());
        var p1 = Rand(2, false, new Shape(2, 3, 4).With(ax, 3).ToArray());
        var y = Ops.Concat([p0, p1], axis);
        Assert.Equal(new Shape(2, 3, 4).With(ax, 5), y.Shape);
        for (int f = 0; f < y.Length; f++)
        {
            int[] idx = Unflatten(f, y.Shape.Dims);
            float expected;
            if (idx[ax] < 2)
            {
                expected = p0[idx];
            }
            else
            {
                idx[ax] -= 2;
                expected = p1[idx];
            }

            Assert.Equal(expected, y.Span[f]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void StackAddsAnAxis(int axis)
    {
        var parts = new[] { Rand(3, false, 2, 3), Rand(4, false, 2, 3), Rand(5, false, 2, 3) };
        var y = Ops.Stack(parts, axis);
        int[] dims = [2, 3];
        var expectedShape = new List<int>(dims);
        expectedShape.Insert(axis, 3);
        Assert.Equal(new Shape([.. expectedShape]), y.Shape);
        for (int f = 0; f < y.Length; f++)
        {
            var idx = new List<int>(Unflatten(f, y.Shape.Dims));
            int which = idx[axis];
            idx.RemoveAt(axis);
            Assert.Equal(parts[which][[.. idx]], y.Span[f]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void SplitThenConcatRoundTrips(int axis)
    {
        var a = Rand(6, false, 4, 5, 6);
        int dim = a.Shape.Dims[axis];
        int[] sizes = [1, dim - 3, 2];
        var pieces = Ops.Split(a, sizes, axis);
        Assert.Equal(3, pieces.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a.Shape.With(axis, sizes[i]), pieces[i].Shape);
        }

        Assert.Equal(a.ToArray(), Ops.Concat(pieces, axis).ToArray());
    }

    [Fact]
    public void SliceMatchesIndexing()
    {
        var a = Rand(7, false, 3, 4, 5);
        var s = Ops.Slice(a, 1, 1, 2);
        Assert.Equal(new Shape(3, 2, 5), s.Shape);
        for (int f = 0; f < s.Length; f++)
        {
            int[] idx = Unflatten(f, s.Shape.Dims);
            float got = s.Span[f];
            idx[1] += 1;
            Assert.Equal(a[idx], got);
        }

        Assert.Equal(new Shape(3, 4, 0), Ops.Slice(a, -1, 5, 0).Shape);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void GradCheckConcatSplitSlice(int axis)
    {
        var s0 = new Shape(2, 3, 4).With(axis, 2).ToArray();
        var s1 = new Shape(2, 3, 4).With(axis, 1).ToArray();
        GradCheck.Check($"Concat axis {axis}", t => Ops.Concat(t, axis), [Rand(10, true, s0), Rand(11, true, s1), Rand(12, false, s0)]);
        GradCheck.Check($"Stack axis {axis}", t => Ops.Stack(t, axis), [Rand(13, true, 2, 3), Rand(14, true, 2, 3)]);
        var a = Rand(15, true, 3, 4, 5);
        int dim = a.Shape.Dims[axis];
        for (int piece = 0; piece < 2; piece++)
        {
            int p = piece;
            GradCheck.Check($"Split axis {axis} piece {p}", t => Ops.Split(t[0], [1, dim - 1], axis)[p], [a]);
        }

        GradCheck.Check($"Slice axis {axis}", t => Ops.Slice(t[0], axis, 1, 2), [a]);
    }

    [Fact]
    public void SplitPiecesAccumulateIntoOneGradient()
    {
        var a = Rand(16, true, 2, 4);
        var pieces = Ops.Split(a, [1, 3], 1);
        var both = Ops.Concat([pieces[1], pieces[0]], 1);
        float[] g = [1, 2, 3, 4, 5, 6, 7, 8];
        MtlSharp.Tensors.Autodiff.Autograd.Backward(both, g);
        Assert.Equal([4f, 1f, 2f, 3f, 8f, 5f, 6f, 7f], a.Grad!.ToArray());
    }

    [Fact]
    public void ErrorsNameOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)], 0));
        Assert.Contains("Concat", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 5]", ex.Message);
        var ex2 = Assert.Throws<ShapeMismatchException>(() => Ops.Stack([Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)]));
        Assert.Contains("Stack", ex2.Message);
        Assert.Contains("[3, 2]", ex2.Message);
        Assert.Contains("Split", Assert.Throws<ArgumentException>(() => Ops.Split(Tensor.Zeros(2, 5), [2, 2], 1)).Message);
        Assert.Contains("Slice", Assert.Throws<ArgumentException>(() => Ops.Slice(Tensor.Zeros(2, 5), 1, 4, 2)).Message);
        Assert.Throws<ArgumentException>(() => Ops.Concat([], 0));
    }
}
