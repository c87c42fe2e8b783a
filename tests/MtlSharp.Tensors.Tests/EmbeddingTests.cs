using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Embedding lookup: gathered rows, output shape, scatter-add gradient and id validation.</summary>
public sealed class EmbeddingTests
{
    private static Tensor Weight(bool grad)
    {
        var t = Tensor.Normal(new Shape(5, 3), 0f, 1f, new Rng(1));
        t.RequiresGrad = grad;
        return t;
    }

    [Fact]
    public void GathersRowsWithIdsShape()
    {
        var w = Weight(false);
        int[] ids = [4, 0, 2, 2, 1, 3];
        var y = Ops.Embedding(w, ids, 2, 3);
        Assert.Equal(new Shape(2, 3, 3), y.Shape);
        for (int i = 0; i < ids.Length; i++)
        {
            for (int d = 0; d < 3; d++)
            {
                Assert.Equal(w[ids[i], d], y.Span[(i * 3) + d]);
            }
        }

        Assert.Equal(new Shape(6, 3), Ops.Embedding(w, ids).Shape);
    }

    [Fact]
    public void RepeatedIdsAddTheirGradients()
    {
        var w = Weight(true);
        var y = Ops.Embedding(w, [1, 3, 1, 1]);
        float[] g = [1, 1, 1, 2, 2, 2, 10, 10, 10, 100, 100, 100];
        Autograd.Backward(y, g);
        float[] expected = [0, 0, 0, 111, 111, 111, 0, 0, 0, 2, 2, 2, 0, 0, 0];
        Assert.Equal(expected, w.Grad!.ToArray());
    }

    [Fact]
    public void GradCheckWithRepeatedIds()
    {
        int[] ids = [2, 0, 2, 4, 2, 0];
        GradCheck.Check("Embedding", t => Ops.Embedding(t[0], ids, 3, 2), [Weight(true)]);
    }

    [Fact]
    public void BadIdIsNamedWithItsPosition()
    {
        var w = Weight(false);
        var ex = Assert.Throws<ArgumentException>(() => Ops.Embedding(w, [0, 1, 7, 2]));
        Assert.Contains("Embedding", ex.Message);
        Assert.Contains("id 7", ex.Message);
        Assert.Contains("position 2", ex.Message);
        Assert.Contains("id -1", Assert.Throws<ArgumentException>(() => Ops.Embedding(w, [-1])).Message);
        Assert.Throws<ArgumentException>(() => Ops.Embedding(w, [0, 1, 2], 2, 2));
        Assert.Contains("Embedding", Assert.Throws<ShapeMismatchException>(() => Ops.Embedding(Tensor.Zeros(5), [0])).Message);
    }
}
