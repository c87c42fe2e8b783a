using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Strategies.Weighting;

public sealed class LossWeightingTests
{
    [Fact]
    public void FixedWeightingIsTheWeightedSum()
    {
        var w = new FixedWeighting(1f, 0.5f);
        var l = w.Combine([0, 1], [Tensor.Scalar(2f), Tensor.Scalar(4f)], [1f, 1f]);
        Assert.Equal(4f, l.Item());
        Assert.Empty(w.Parameters);
        Assert.Throws<ArgumentException>(() => w.Combine([0, 1], [Tensor.Scalar(1f)], [1f]));
        Assert.Equal(2f, w.Combine([1], [Tensor.Scalar(4f)], [1f]).Item());   // one task present: its own weight
    }

    [Fact]
    public void UncertaintyWeightingValueGradientAndKind()
    {
        var uw = new UncertaintyWeighting(2);
        uw.LogVariances.Data[0] = 0.3f;
        uw.LogVariances.Data[1] = -0.2f;
        var l0 = Tensor.Scalar(1.5f);
        var l1 = Tensor.Scalar(0.7f);
        double expected = (0.5 * Math.Exp(-0.3) * 1.5) + 0.15 + (0.5 * Math.Exp(0.2) * 0.7) - 0.1;
        Assert.Equal(expected, uw.Combine([0, 1], [l0, l1], [1f, 1f]).Item(), 5);
        Assert.Equal(ParameterKind.Strategy, uw.LogVariances.Kind);
        Assert.Equal(0.5 * Math.Exp(-0.3), uw.Weights()[0], 6);

        l0.RequiresGrad = true;
        l1.RequiresGrad = true;
        GradCheck.Check("UncertaintyWeighting", i => uw.Combine([0, 1], [i[0], i[1]], [1f, 1f]), [l0, l1, uw.LogVariances.Value], eps: 1e-3f);
    }

    [Fact]
    public void UncertaintyWeightingCountsObservationsInTheRegulariser()
    {
        var uw = new UncertaintyWeighting(2);
        uw.LogVariances.Data[0] = 0.3f;
        uw.LogVariances.Data[1] = -0.2f;
        var l0 = Tensor.Scalar(30f);
        var l1 = Tensor.Scalar(12f);
        float[] n = [20f, 10f];
        double expected = (0.5 * Math.Exp(-0.3) * 30) + (0.5 * 20 * 0.3) + (0.5 * Math.Exp(0.2) * 12) + (0.5 * 10 * -0.2);
        Assert.Equal(expected, uw.Combine([0, 1], [l0, l1], n).Item(), 4);

        // d/ds_m = ½(n_m − exp(−s_m) L_m): zero at exp(s_m) = L_m / n_m, the mean loss per observation.
        uw.LogVariances.Data[0] = MathF.Log(30f / 20f);
        uw.LogVariances.Data[1] = MathF.Log(12f / 10f);
        float[] g = new float[2];
        Autograd.Grad(uw.Combine([0, 1], [l0, l1], n), [uw.LogVariances.Value], g);
        Assert.Equal(0f, g[0], 4);
        Assert.Equal(0f, g[1], 4);

        // Fixed weights ignore the counts.
        ILossWeighting fixedWeights = FixedWeighting.Equal(2);
        Assert.Equal(42f, fixedWeights.Combine([0, 1], [l0, l1], n).Item());
        Assert.Throws<ArgumentException>(() => uw.Combine([0, 1], [l0, l1], [1f]));

        l0.RequiresGrad = true;
        l1.RequiresGrad = true;
        GradCheck.Check("UncertaintyWeighting(n)", i => uw.Combine([0, 1], [i[0], i[1]], n), [l0, l1, uw.LogVariances.Value], eps: 1e-3f);
    }

    [Fact]
    public void UncertaintyWeightingOfATaskSubsetUsesThoseTasksLogVariances()
    {
        var uw = new UncertaintyWeighting(3);
        uw.LogVariances.Data[0] = 0.3f;
        uw.LogVariances.Data[1] = -0.2f;
        uw.LogVariances.Data[2] = 0.7f;
        var l = Tensor.Scalar(2f);
        double expected = 0.5 * ((Math.Exp(-0.7) * 2) + (4 * 0.7));
        Assert.Equal(expected, uw.Combine([2], [l], [4f]).Item(), 5);
        float[] g = new float[3];
        Autograd.Grad(uw.Combine([2], [l], [4f]), [uw.LogVariances.Value], g);
        Assert.Equal(0f, g[0]);
        Assert.Equal(0f, g[1]);
        Assert.Equal(0.5 * (4 - (Math.Exp(-0.7) * 2)), g[2], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => uw.Combine([3], [l], [1f]));
    }
}
