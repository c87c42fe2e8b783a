using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Reshape and Flatten: views sharing storage, −1 inference, gradients and errors.</summary>
public sealed class ReshapeTests
{
    private static Tensor Rand(ulong seed, bool grad, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, 1f, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    [Fact]
    public void ReshapeIsAViewSharingStorage()
    {
        var a = Tensor.FromArray([1, 2, 3, 4, 5, 6], 6);
        var y = Ops.Reshape(a, 2, 3);
        Assert.Equal(new Shape(2, 3), y.Shape);
        Assert.Same(a.Buffer, y.Buffer);
        Assert.Equal(a.Offset, y.Offset);
        Assert.Equal(6f, y[1, 2]);
        a[4] = 50f;
        Assert.Equal(50f, y[1, 1]);
    }

    [Fact]
    public void MinusOneIsInferred()
    {
        var a = Tensor.Zeros(2, 3, 4);
        Assert.Equal(new Shape(6, 4), Ops.Reshape(a, -1, 4).Shape);
        Assert.Equal(new Shape(2, 12), Ops.Reshape(a, 2, -1).Shape);
        Assert.Equal(new Shape(24), Ops.Reshape(a, -1).Shape);
        Assert.Equal(new Shape(4, 3, 2), Ops.Reshape(a, new Shape(4, 3, 2)).Shape);
    }

    [Fact]
    public void FlattenMergesTrailingAxes()
    {
        var a = Tensor.Zeros(2, 3, 4, 5);
        Assert.Equal(new Shape(2, 60), Ops.Flatten(a).Shape);
        Assert.Equal(new Shape(120), Ops.Flatten(a, 0).Shape);
        Assert.Equal(new Shape(2, 3, 20), Ops.Flatten(a, 2).Shape);
        Assert.Equal(new Shape(2, 3, 4, 5), Ops.Flatten(a, -1).Shape);
        Assert.Same(a.Buffer, Ops.Flatten(a).Buffer);
    }

    [Fact]
    public void GradientFlowsThroughTheView()
    {
        var a = Rand(1, true, 2, 3);
        var y = Ops.Reshape(a, 3, 2);
        Assert.Equal("Reshape", y.GradFn!.Name);
        Autograd.Backward(y, [1, 2, 3, 4, 5, 6]);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], a.Grad!.ToArray());
    }

    [Fact]
    public void GradCheckReshapeAndFlatten()
    {
        GradCheck.Check("Reshape", t => Ops.Reshape(t[0], 4, -1), [Rand(2, true, 2, 3, 2)]);
        GradCheck.Check("Flatten", t => Ops.Flatten(t[0], 1), [Rand(3, true, 2, 3, 2)]);
    }

    [Fact]
    public void NoNodeWithoutGradient()
    {
        Assert.Null(Ops.Reshape(Rand(4, false, 2, 2), 4).GradFn);
        using (Autograd.NoGrad())
        {
            Assert.Null(Ops.Reshape(Rand(4, true, 2, 2), 4).GradFn);
        }
    }

    [Fact]
    public void SizeMismatchNamesOpAndShapes()
    {
        var a = Tensor.Zeros(2, 3);
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.Reshape(a, 4, 2));
        Assert.Contains("Reshape", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4, 2]", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.Reshape(a, -1, -1));
        var ex2 = Assert.Throws<ShapeMismatchException>(() => Ops.Reshape(a, -1, 4));
        Assert.Contains("[2, 3]", ex2.Message);
    }
}
