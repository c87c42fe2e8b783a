using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;
using static MtlSharp.Tensors.Tests.PointwiseTestData;

namespace MtlSharp.Tensors.Tests;

/// <summary>CrossEntropy (mask, weights, validation, stability, PyTorch parity) and Mse.</summary>
public sealed class LossTests
{
    [Fact]
    public void CrossEntropyHandValue()
    {
        // Uniform logits over 4 classes: −log(1/4) per row.
        var x = Tensor.Zeros(2, 4);
        Assert.Equal(MathF.Log(4), Ops.CrossEntropy(x, [0, 3]).Item(), 1e-6f);

        // Row [0, ln 3]: p = [1/4, 3/4]; labels 1 then 0 → (−ln 3/4 − ln 1/4) / 2.
        var y = Tensor.FromArray([0, MathF.Log(3), 0, MathF.Log(3)], 2, 2);
        float expected = (-MathF.Log(0.75f) - MathF.Log(0.25f)) / 2;
        Assert.Equal(expected, Ops.CrossEntropy(y, [1, 0]).Item(), 1e-6f);
    }

    [Fact]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverN()
    {
        var x = Param([0, MathF.Log(3), 0, MathF.Log(3)], 2, 2);
        Autograd.Backward(Ops.CrossEntropy(x, [1, 0]));
        TensorAssert.Close([0.125f, -0.125f, -0.375f, 0.375f], x.Grad!.Span, atol: 1e-6, what: "grad");
    }

    [Fact]
    public void MaskedRowsContributeNothing()
    {
        var x = Rand(41, -2f, 2f, [4, 3]);
        float full = Ops.CrossEntropy(x, [0, 1, 2, 0]).Item();

        // Masking rows 1 and 3 equals the mean over rows 0 and 2 only; their labels (even invalid) are ignored.
        float masked = Ops.CrossEntropy(x, [0, -100, 2, 99], [1, 0, 1, 0]).Item();
        var sub = Tensor.FromArray([x[0, 0], x[0, 1], x[0, 2], x[2, 0], x[2, 1], x[2, 2]], 2, 3);
        Assert.Equal(Ops.CrossEntropy(sub, [0, 2]).Item(), masked, 1e-6f);
        Assert.NotEqual(full, masked);

        Autograd.Backward(Ops.CrossEntropy(x, [0, -100, 2, 99], [1, 0, 1, 0]));
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(0f, x.Grad![1, j]);
            Assert.Equal(0f, x.Grad![3, j]);
        }
    }

    [Fact]
    public void AllMaskedGivesZeroLossAndZeroGradient()
    {
        var x = Rand(42, -2f, 2f, [3, 4]);
        var loss = Ops.CrossEntropy(x, [0, 1, 2], [0, 0, 0]);
        Assert.Equal(0f, loss.Item());
        float[] g = new float[12];
        Autograd.Grad(loss, [x], g);
        Assert.All(g, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void MaskWeightsWeightTheMean()
    {
        var x = Rand(43, -2f, 2f, [2, 3]);
        float l0 = Ops.CrossEntropy(Tensor.FromArray([x[0, 0], x[0, 1], x[0, 2]], 1, 3), [1]).Item();
        float l1 = Ops.CrossEntropy(Tensor.FromArray([x[1, 0], x[1, 1], x[1, 2]], 1, 3), [2]).Item();
        Assert.Equal(((2 * l0) + (0.5f * l1)) / 2.5f, Ops.CrossEntropy(x, [1, 2], [2f, 0.5f]).Item(), 1e-6f);
    }

    [Fact]
    public void InvalidLabelThrowsNamingTheRow()
    {
        var x = Tensor.Zeros(3, 4);
        var ex = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, [0, 4, 1]));
        Assert.Contains("row 1", ex.Message);
        Assert.Contains("CrossEntropy", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, [0, 1, -1], [1, 1, 0.5f]));
        Assert.Contains("row 2", ex.Message);
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, [0, 1]));
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, [0, 1, 2], [1, 1]));
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(x, [0, 1, 2], [1, -1, 1]));
        Assert.Throws<ShapeMismatchException>(() => Ops.CrossEntropy(Tensor.Zeros(12), [0]));
    }

    [Fact]
    public void CrossEntropyStableForLargeLogits()
    {
        var x = Param([1e4f, 0, -1e4f, 1e4f, 1e4f - 2, 1e4f], 2, 3);
        var loss = Ops.CrossEntropy(x, [1, 1]);

        // Row 0: label logit is 1e4 below the max → loss ≈ 1e4. Row 1: −log(e^-2 / (2 + e^-2)).
        double row1 = -Math.Log(Math.Exp(-2) / (2 + Math.Exp(-2)));
        Assert.Equal((float)((1e4 + row1) / 2), loss.Item(), 1e-2f);
        Autograd.Backward(loss);
        Assert.All(x.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0.5f, x.Grad![0, 0], 1e-6f);
        Assert.Equal(-0.5f, x.Grad![0, 1], 1e-6f);
    }

    [Fact]
    public void GradCheckCrossEntropyWithMask()
    {
        var x = Rand(44, -2f, 2f, [5, 4]);
        GradCheck.Check("CrossEntropy", t => Ops.CrossEntropy(t[0], [3, 0, 1, 2, 2], [1, 0.5f, 0, 1, 2]), [x], eps: 1e-3f, rtol: 1e-2);
        GradCheck.Check("CrossEntropy unmasked", t => Ops.CrossEntropy(t[0], [3, 0, 1, 2, 2]), [x], eps: 1e-3f, rtol: 1e-2);
    }

    [Fact]
    public void CrossEntropyMatchesPyTorch()
    {
        var f = Fixtures.Load("pointwise/cross_entropy.json");
        var x = Fixtures.ToTensor(f.GetProperty("logits"), requiresGrad: true);
        int[] labels = Fixtures.Ints(f.GetProperty("labels"));
        float[] mask = Fixtures.Floats(f.GetProperty("mask"));
        var loss = Ops.CrossEntropy(x, labels, mask);
        Assert.Equal((float)f.GetProperty("loss").GetDouble(), loss.Item(), 1e-5f);
        Autograd.Backward(loss);
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("grad")), x.Grad!.Span, atol: 1e-6, rtol: 1e-5, what: "CE grad");
    }

    [Fact]
    public void MseValueAndGradients()
    {
        var p = Param([1, 2, 3], 3);
        var t = Param([1, 0, 0], 3);
        var loss = Ops.Mse(p, t);
        Assert.Equal(13f / 3, loss.Item(), 1e-6f);
        GradCheck.Check("Mse", x => Ops.Mse(x[0], x[1]), [Rand(1, -1, 1, [2, 3]), Rand(2, -1, 1, [2, 3])], eps: 1e-3f);
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.Mse(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)));
        Assert.Contains("Mse", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
    }
}
