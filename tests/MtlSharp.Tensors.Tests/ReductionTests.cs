using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

/// <summary>Sum/Mean/Max (all and per axis), ArgMax, SumOfSquares, FrobeniusNorm.</summary>
public sealed class ReductionTests
{
    private static readonly float[] X23 = [1, 5, 3, 4, 2, 6];

    [Fact]
    public void ReduceAllValues()
    {
        var x = Tensor.FromArray(X23, 2, 3);
        Assert.Equal(21f, Ops.Sum(x).Item());
        Assert.Equal(3.5f, Ops.Mean(x).Item());
        Assert.Equal(6f, Ops.Max(x).Item());
        Assert.Equal(Shape.Scalar, Ops.Sum(x).Shape);
        Assert.Equal(91f, Ops.SumOfSquares(x).Item());
        Assert.Equal(MathF.Sqrt(91), Ops.FrobeniusNorm(x).Item(), 1e-5f);
    }

    [Fact]
    public void ReduceAxisValuesAndShapes()
    {
        var x = Tensor.FromArray(X23, 2, 3);
        Assert.Equal([5f, 7, 9], Ops.Sum(x, 0).ToArray());
        Assert.Equal(new Shape(3), Ops.Sum(x, 0).Shape);
        Assert.Equal(new Shape(1, 3), Ops.Sum(x, 0, keepDim: true).Shape);
        Assert.Equal([9f, 12], Ops.Sum(x, -1).ToArray());
        Assert.Equal(new Shape(2, 1), Ops.Sum(x, 1, keepDim: true).Shape);
        Assert.Equal([3f, 4], Ops.Mean(x, 1).ToArray());
        Assert.Equal([2.5f, 3.5f, 4.5f], Ops.Mean(x, 0).ToArray());
        Assert.Equal([4f, 5, 6], Ops.Max(x, 0).ToArray());
        Assert.Equal([5f, 6], Ops.Max(x, 1).ToArray());
        Assert.Equal(new Shape(2, 1), Ops.Max(x, 1, keepDim: true).Shape);

        // Middle axis of [2, 2, 2].
        var y = Tensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8], 2, 2, 2);
        Assert.Equal([4f, 6, 12, 14], Ops.Sum(y, 1).ToArray());
        Assert.Equal([3f, 4, 7, 8], Ops.Max(y, 1).ToArray());
    }

    [Fact]
    public void ArgMaxPerRowTakesFirstMaximum()
    {
        var x = Tensor.FromArray([1, 5, 5, 7, 2, 7], 2, 3);
        Assert.Equal([1, 0], Ops.ArgMax(x));
        Assert.Equal([2], Ops.ArgMax(Tensor.FromArray([0, 1, 3], 3)));

        // A vectorised row (length 20) with ties at 3 and 15.
        float[] wide = new float[20];
        wide[3] = wide[15] = 9;
        Assert.Equal([3], Ops.ArgMax(Tensor.FromArray(wide, 1, 20)));
    }

    [Fact]
    public void MaxGradientGoesToFirstMaximalElement()
    {
        var x = Param([1, 7, 7, 3], 4);
        Autograd.Backward(Ops.Max(x));
        Assert.Equal([0f, 1, 0, 0], x.Grad!.ToArray());

        var y = Param([2, 2, 1, 5, 0, 5], 3, 2);
        Autograd.Backward(Ops.Max(y, 0), [1f, 10f]);
        Assert.Equal([1f, 0, 0, 10, 0, 0], y.Grad!.ToArray());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(-1, true)]
    public void GradCheckAxisReductions(int axis, bool keepDim)
    {
        var x = Rand(31, -2f, 2f, [2, 3, 4]);
        GradCheck.Check($"Sum axis {axis}", t => Ops.Sum(t[0], axis, keepDim), [x]);
        GradCheck.Check($"Mean axis {axis}", t => Ops.Mean(t[0], axis, keepDim), [x]);
        GradCheck.Check($"Max axis {axis}", t => Ops.Max(t[0], axis, keepDim), [x], eps: 1e-3f);
    }

    [Fact]
    public void GradCheckReduceAll()
    {
        var x = Rand(32, -2f, 2f, [3, 5]);
        GradCheck.Check("Sum", t => Ops.Sum(t[0]), [x]);
        GradCheck.Check("Mean", t => Ops.Mean(t[0]), [x]);
        GradCheck.Check("Max", t => Ops.Max(t[0]), [x], eps: 1e-3f);
        GradCheck.Check("SumOfSquares", t => Ops.SumOfSquares(t[0]), [x], eps: 1e-3f);
        GradCheck.Check("FrobeniusNorm", t => Ops.FrobeniusNorm(t[0]), [x], eps: 1e-3f);
    }

    [Fact]
    public void FrobeniusNormGradientIsZeroAtZero()
    {
        var x = Param([0f, 0f, 0f], 3);
        Autograd.Backward(Ops.FrobeniusNorm(x));
        Assert.Equal([0f, 0, 0], x.Grad!.ToArray());
    }

    [Fact]
    public void ReducingAScalarAlongAnAxisThrows()
    {
        Assert.Throws<ArgumentException>(() => Ops.Sum(Tensor.Scalar(1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Sum(Tensor.Zeros(2, 3), 2));
    }
}
