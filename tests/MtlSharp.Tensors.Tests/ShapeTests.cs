namespace MtlSharp.Tensors.Tests;

/// <summary><see cref="Shape"/>: construction (array and span overloads), validation, value semantics.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void ArrayConstructorCopiesItsArgument()
    {
        int[] dims = [2, 3, 4];
        var s = new Shape(dims);
        dims[0] = 99;
        Assert.Equal(2, s[0]);
        Assert.Equal(24, s.Size);
        Assert.Equal(3, s.Rank);
    }

    [Fact]
    public void ParamsAndArrayFormsAreEqual()
    {
        var a = new Shape(64, 16);
        var b = new Shape(new[] { 64, 16 });
        Shape c = new[] { 64, 16 };
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new Shape(16, 64));
        Assert.Equal("[64, 16]", a.ToString());
    }

    [Fact]
    public void ScalarHasRankZeroAndOneElement()
    {
        Assert.Equal(0, Shape.Scalar.Rank);
        Assert.Equal(1, Shape.Scalar.Size);
        Assert.Equal(Shape.Scalar, new Shape());
        Assert.Equal(Shape.Scalar, new Shape(Array.Empty<int>()));
        Assert.Equal(1, Shape.Scalar.Last);
    }

    [Fact]
    public void ZeroDimensionGivesZeroSizeEvenAfterHugeDimensions()
    {
        Assert.Equal(0, new Shape(100000, 100000, 0).Size);
        Assert.Equal(0, new Shape(0, 5).Size);
    }

    [Fact]
    public void InvalidDimensionsThrow()
    {
        var neg = Assert.Throws<ArgumentException>(() => new Shape(2, -1));
        Assert.Contains("non-negative", neg.Message);
        Assert.Throws<ArgumentException>(() => new Shape(new[] { 3, -2 }));
        var big = Assert.Throws<ArgumentException>(() => new Shape(100000, 100000));
        Assert.Contains("more than", big.Message);
        Assert.Throws<ArgumentNullException>(() => new Shape((int[])null!));
    }

    [Fact]
    public void WithReplacesOneAxis()
    {
        var s = new Shape(2, 3, 4);
        Shape t = s.With(-1, 5);
        Assert.Equal(new Shape(2, 3, 5), t);
        Assert.Equal(new Shape(2, 3, 4), s);
        Assert.Equal(30, t.Size);
    }
}
