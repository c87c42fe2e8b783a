using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Ops.ComponentLinear: finite-difference gradients (shared and per-component input, subsets, repeated components),
/// agreement with separate MatMul/Linear calls per component, and shape errors.
/// </summary>
public sealed class ComponentLinearTests
{
    private static Tensor Rand(Rng rng, bool grad, params int[] dims)
    {
        var t = Tensor.Uniform(new Shape(dims), -1f, 1f, rng);
        t.RequiresGrad = grad;
        return t;
    }

    [Fact]
    public void GradientsSharedInputWithBias()
    {
        var rng = new Rng(2);
        GradCheck.Check(
            "ComponentLinear shared", t => Ops.ComponentLinear(t[0], t[1], t[2]), [Rand(rng, true, 3, 4), Rand(rng, true, 3, 4, 2), Rand(rng, true, 3, 2)], eps: 1e-3f);
    }

    [Fact]
    public void GradientsSharedInputSubsetWithRepeat()
    {
        var rng = new Rng(4);
        GradCheck.Check(
            "ComponentLinear shared subset", t => Ops.ComponentLinear(t[0], t[1], t[2], [2, 0, 2]), [Rand(rng, true, 5, 3), Rand(rng, true, 4, 3, 6), Rand(rng, true, 4, 6)], eps: 1e-3f);
    }

    [Fact]
    public void GradientsPerComponentInputWithoutBias()
    {
        var rng = new Rng(3);
        GradCheck.Check(
            "ComponentLinear per-component", t => Ops.ComponentLinear(t[0], t[1], null, [3, 1]), [Rand(rng, true, 2, 3, 4), Rand(rng, true, 4, 4, 2)], eps: 1e-3f);
    }

    /// <summary>
    /// Values and gradients equal those of one MatMul (or Linear, on the transposed weight) per selected component on
    /// slices of the weight and bias; a shared input's gradient is the sum over components. Includes a product large
    /// enough for the packed GEMM path.
    /// </summary>
    [Theory]
    [InlineData(true, 5, 3, 4, 6, false)]
    [InlineData(false, 5, 3, 4, 6, true)]
    [InlineData(true, 64, 96, 80, 3, true)]
    [InlineData(false, 64, 96, 80, 3, false)]
    public void MatchesSeparateMatMulsPerComponent(bool shared, int n, int fin, int fout, int c, bool viaLinear)
    {
        var rng = new Rng(11);
        int[] comps = c == 6 ? [4, 0, 4, 5] : [2, 0];
        int a = comps.Length;
        var x = shared ? Rand(rng, true, n, fin) : Rand(rng, true, a, n, fin);
        var w = Rand(rng, true, c, fin, fout);
        var b = Rand(rng, true, c, fout);
        var r = Rand(rng, false, a, n, fout);
        Tensor[] wrt = [x, w, b];
        int total = x.Length + w.Length + b.Length;

        Tensor y = Ops.ComponentLinear(x, w, b, comps);
        float[] grads = new float[total];
        Autograd.Grad(Ops.Sum(Ops.Mul(y, r)), wrt, grads);

        var parts = new Tensor[a];
        for (int i = 0; i < a; i++)
        {
            int k = comps[i];
            Tensor xi = shared ? x : Ops.Reshape(Ops.Slice(x, 0, i, 1), n, fin);
            Tensor wk = Ops.Reshape(Ops.Slice(w, 0, k, 1), fin, fout);
            Tensor bk = Ops.Reshape(Ops.Slice(b, 0, k, 1), fout);
            parts[i] = viaLinear ? Ops.Linear(xi, Ops.Transpose(wk, 0, 1), bk) : Ops.Add(Ops.MatMul(xi, wk), bk);
        }

        Tensor expected = Ops.Stack(parts, 0);
        float[] expectedGrads = new float[total];
        Autograd.Grad(Ops.Sum(Ops.Mul(expected, r)), wrt, expectedGrads);

        Assert.Equal(new Shape(a, n, fout), y.Shape);
        TensorAssert.Close(expected, y, 1e-5, 1e-5, "y");
        TensorAssert.Close(expectedGrads, grads, 1e-4, 1e-4, "grads");
    }

    [Fact]
    public void WithoutGradRecordsNothing()
    {
        var rng = new Rng(5);
        Tensor y = Ops.ComponentLinear(Rand(rng, false, 2, 3), Rand(rng, false, 2, 3, 4), null);
        Assert.False(y.RequiresGrad);
        Assert.Equal(new Shape(2, 2, 4), y.Shape);
    }

    [Fact]
    public void ShapeErrorsNameOpAndShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.ComponentLinear(Tensor.Zeros(3, 5), Tensor.Zeros(2, 4, 1), null));
        Assert.Contains("ComponentLinear", ex.Message);
        Assert.Contains("[3, 5]", ex.Message);
        Assert.Contains("[2, 4, 1]", ex.Message);

        ex = Assert.Throws<ShapeMismatchException>(() => Ops.ComponentLinear(Tensor.Zeros(3, 2, 4), Tensor.Zeros(2, 4, 1), null));
        Assert.Contains("[3, 2, 4]", ex.Message);

        ex = Assert.Throws<ShapeMismatchException>(() => Ops.ComponentLinear(Tensor.Zeros(3, 4), Tensor.Zeros(2, 4, 1), Tensor.Zeros(2, 2)));
        Assert.Contains("bias", ex.Message);

        Assert.Throws<ShapeMismatchException>(() => Ops.ComponentLinear(Tensor.Zeros(3, 4), Tensor.Zeros(4, 1), null));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.ComponentLinear(Tensor.Zeros(3, 4), Tensor.Zeros(2, 4, 1), null, [2]));
    }
}
