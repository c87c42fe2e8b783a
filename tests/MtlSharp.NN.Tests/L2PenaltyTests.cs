using MtlSharp.NN.Layers;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class L2PenaltyTests
{
    [Fact]
    public void ValueAndGradient_ExcludingBiases()
    {
        var lin = new Linear(3, 2, new Rng(2));
        var pen = new L2Penalty(0.3f, lin.Parameters(), L2Penalty.ExcludeBiases);
        Assert.Equal(["weight"], pen.Selected.Select(p => p.Name));
        double ss = lin.Weight.Data.ToArray().Sum(v => (double)v * v);
        var y = pen.Compute();
        Assert.Equal(0.15 * ss, y.Item(), 5);
        Autograd.Backward(y);
        TensorAssert.Close(lin.Weight.Data.ToArray().Select(v => 0.3f * v).ToArray(), lin.Weight.Grad, 1e-7, 1e-6);
        Assert.False(lin.Bias!.HasGrad);
    }

    [Fact]
    public void GradCheck()
    {
        var a = new Parameter("a", Tensor.FromArray([0.5f, -1f, 2f], 3));
        var b = new Parameter("b", Tensor.FromArray([0.25f, 3f], 2));
        var pen = new L2Penalty(0.7f, [a, b]);
        Testing.GradCheck.Check("L2Penalty", _ => pen.Compute(), [a.Value, b.Value], eps: 1e-2f);
    }
}
