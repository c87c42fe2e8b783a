using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Weighted embedding bags: the sparse × dense product, empty bags, the scatter gradient and input validation.</summary>
public sealed class EmbeddingBagTests
{
    private static Tensor Weight(bool grad)
    {
        var t = Tensor.Normal(new Shape(6, 4), 0f, 1f, new Rng(3));
        t.RequiresGrad = grad;
        return t;
    }

    // Bags: {0: 2×id1, 0.5×id4}, {} (empty), {id1, −1×id5, 3×id1 (id repeated within the bag)}.
    private static readonly int[] s_ids = [1, 4, 1, 5, 1];
    private static readonly int[] s_offsets = [0, 2, 2, 5];
    private static readonly float[] s_values = [2f, 0.5f, 1f, -1f, 3f];

    [Fact]
    public void EqualsTheDenseProductOfTheBagMatrix()
    {
        var w = Weight(false);
        var y = Ops.EmbeddingBag(w, s_ids, s_offsets, s_values);
        Assert.Equal(new Shape(3, 4), y.Shape);

        // The same product written densely: a [3, 6] count matrix times the weight.
        var dense = new float[3 * 6];
        for (int b = 0; b < 3; b++)
        {
            for (int k = s_offsets[b]; k < s_offsets[b + 1]; k++)
            {
                dense[(b * 6) + s_ids[k]] += s_values[k];
            }
        }

        var expected = Ops.MatMul(Tensor.FromArray(dense, 3, 6), w);
        TensorAssert.Close(expected, y, 1e-5f);
        for (int d = 0; d < 4; d++)
        {
            Assert.Equal(0f, y[1, d]);   // the empty bag
        }
    }

    [Fact]
    public void GradientScattersWeightedRows()
    {
        var w = Weight(true);
        var y = Ops.EmbeddingBag(w, s_ids, s_offsets, s_values);
        float[] g = [1, 1, 1, 1, 50, 50, 50, 50, 10, 10, 10, 10];
        Autograd.Backward(y, g);
        var grad = w.Grad!.ToArray();
        // id1: 2·1 (bag 0) + 1·10 + 3·10 (bag 2) = 42; id4: 0.5·1; id5: −1·10; others 0 (bag 1 is empty).
        float[] expectedRow = [0, 42, 0, 0, 0.5f, -10];
        for (int v = 0; v < 6; v++)
        {
            for (int d = 0; d < 4; d++)
            {
                Assert.Equal(expectedRow[v], grad[(v * 4) + d], 5);
            }
        }
    }

    [Fact]
    public void GradCheck()
    {
        Testing.GradCheck.Check("EmbeddingBag", t => Ops.EmbeddingBag(t[0], s_ids, s_offsets, s_values), [Weight(true)]);
    }

    [Fact]
    public void GradCheckThroughTanh()
    {
        // As the letter-trigram encoder uses it: tanh(bag · W), on counts normalised to unit length.
        int[] ids = [0, 2, 3, 3, 5, 1];
        int[] offsets = [0, 3, 6];
        float[] values = [0.6f, 0.48f, 0.64f, 0.8f, 0.36f, 0.48f];
        Testing.GradCheck.Check("EmbeddingBag+Tanh", t => Ops.Tanh(Ops.EmbeddingBag(t[0], ids, offsets, values)), [Weight(true)]);
    }

    [Fact]
    public void BadInputIsNamed()
    {
        var w = Weight(false);
        var ex = Assert.Throws<ArgumentException>(() => Ops.EmbeddingBag(w, [0, 9], [0, 2], [1f, 1f]));
        Assert.Contains("id 9", ex.Message);
        Assert.Contains("position 1", ex.Message);
        Assert.Contains("offsets", Assert.Throws<ArgumentException>(() => Ops.EmbeddingBag(w, [0, 1], [0, 1], [1f, 1f])).Message);
        Assert.Contains("decrease", Assert.Throws<ArgumentException>(() => Ops.EmbeddingBag(w, [0, 1], [0, 2, 1, 2], [1f, 1f])).Message);
        Assert.Contains("values", Assert.Throws<ArgumentException>(() => Ops.EmbeddingBag(w, [0, 1], [0, 2], [1f])).Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.EmbeddingBag(Tensor.Zeros(6), [0], [0, 1], [1f]));
    }
}
