using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Strategies.Weighting;

public sealed class WeightingMethodTests
{
    [Fact]
    public void GlsIsTheGeometricMeanWithGradientLOverNLi()
    {
        var gls = new GeometricLossWeighting(3);
        Assert.Equal(4f, gls.Combine([0, 2], [Tensor.Scalar(2f), Tensor.Scalar(8f)], [1f, 1f]).Item(), 5);
        Assert.Equal([1.0, 1.0, 0.25], gls.Weights());                          // 4/(2·2), untouched, 4/(2·8)
        Assert.Equal(2f, gls.Combine([0, 1, 2], [Tensor.Scalar(1f), Tensor.Scalar(2f), Tensor.Scalar(4f)], [1f, 1f, 1f]).Item(), 5);
        var ex = Assert.Throws<ArgumentException>(() => gls.Combine([0, 1], [Tensor.Scalar(1f), Tensor.Scalar(0f)], [1f, 1f]));
        Assert.Contains("task 1", ex.Message, StringComparison.Ordinal);
        Assert.Empty(gls.Parameters);

        var l0 = Tensor.Scalar(1.5f);
        var l1 = Tensor.Scalar(0.7f);
        var l2 = Tensor.Scalar(2.3f);
        l0.RequiresGrad = l1.RequiresGrad = l2.RequiresGrad = true;
        GradCheck.Check("GLS", i => gls.Combine([0, 1, 2], [i[0], i[1], i[2]], [1f, 1f, 1f]), [l0, l1, l2], eps: 1e-3f);
    }

    [Fact]
    public void ImtlLIsTheSumOfScaledLossesMinusScalesWithGradientsInLossesAndScales()
    {
        var imtl = new ImtlLossWeighting(3);
        imtl.LossScales.Data[0] = 0.3f;
        imtl.LossScales.Data[1] = -0.2f;
        imtl.LossScales.Data[2] = 0.5f;
        Assert.Equal(ParameterKind.Strategy, imtl.LossScales.Kind);
        Assert.Single(((ILossWeighting)imtl).Parameters);
        double expected = (Math.Exp(0.3) * 1.5) - 0.3 + (Math.Exp(-0.2) * 0.7) + 0.2;
        var l0 = Tensor.Scalar(1.5f);
        var l1 = Tensor.Scalar(0.7f);
        Assert.Equal(expected, imtl.Combine([0, 1], [l0, l1], [1f, 1f]).Item(), 5);
        Assert.Equal((Math.Exp(0.5) * 0.7) - 0.5, imtl.Combine([2], [l1], [1f]).Item(), 5);
        Assert.Equal(Math.Exp(-0.2), imtl.Weights()[1], 6);

        l0.RequiresGrad = l1.RequiresGrad = true;
        GradCheck.Check("IMTL-L", i => imtl.Combine([0, 1], [i[0], i[1]], [1f, 1f]), [l0, l1, imtl.LossScales.Value], eps: 1e-3f);
        GradCheck.Check("IMTL-L subset", i => imtl.Combine([2, 0], [i[0], i[1]], [1f, 1f]), [l0, l1, imtl.LossScales.Value], eps: 1e-3f);
    }

    [Fact]
    public void RlwWeightsAreASoftmaxReproducibleFromTheSeedAndAcrossSaveAndLoad()
    {
        var a = new RandomLossWeighting(3, new Rng(7));
        var b = new RandomLossWeighting(3, new Rng(7));
        Tensor[] losses = [Tensor.Scalar(1f), Tensor.Scalar(2f), Tensor.Scalar(3f)];
        for (int k = 0; k < 5; k++)
        {
            float la = a.Combine([0, 1, 2], losses, [1f, 1f, 1f]).Item();
            float lb = b.Combine([0, 1, 2], losses, [1f, 1f, 1f]).Item();
            Assert.Equal(la, lb);
            double[] w = a.Weights();
            Assert.Equal(1.0, w.Sum(), 12);
            Assert.All(w, x => Assert.InRange(x, 0.0, 1.0));
            Assert.Equal(w[0] + (2 * w[1]) + (3 * w[2]), la, 5);
        }

        // A two-task step: the absent task gets 0, the two present sum to 1.
        a.Combine([2, 0], [losses[2], losses[0]], [1f, 1f]);
        Assert.Equal(0.0, a.Weights()[1]);
        Assert.Equal(1.0, a.Weights()[0] + a.Weights()[2], 12);

        var bag = new StateBag();
        a.SaveState(bag);
        float next = a.Combine([0, 1, 2], losses, [1f, 1f, 1f]).Item();
        double[] nextWeights = a.Weights();
        var c = new RandomLossWeighting(3, new Rng(99));
        c.LoadState(bag);
        Assert.Equal(next, c.Combine([0, 1, 2], losses, [1f, 1f, 1f]).Item());
        Assert.Equal(nextWeights, c.Weights());
    }

    [Fact]
    public void DwaWeightsFollowTheRatioOfTheLastTwoEpochMeans()
    {
        var dwa = new DwaWeighting(2, epochSteps: 2);
        Assert.Equal("dwa", dwa.Name);
        // Epoch 0: task 0 losses 4, 2 (mean 3), task 1 1, NaN (mean 1, the NaN is an absent task).
        dwa.OnStep([0, 1], [4f, 1f], 0);
        dwa.OnStep([0, 1], [2f, float.NaN], 1);
        Assert.Equal([1.0, 1.0], dwa.Weights());
        // Epoch 1: task 0 mean 1.5 (ratio 0.5), task 1 mean 1 (ratio 1).
        dwa.OnStep([0, 1], [1f, 1f], 2);
        Assert.Equal([1.0, 1.0], dwa.Weights());
        dwa.OnStep([1, 0], [1f, 2f], 3);
        double e0 = Math.Exp(0.5 / 2), e1 = Math.Exp(1.0 / 2);
        double w0 = 2 * e0 / (e0 + e1), w1 = 2 * e1 / (e0 + e1);
        Assert.Equal(w0, dwa.Weights()[0], 12);
        Assert.Equal(w1, dwa.Weights()[1], 12);
        Assert.Equal(2, dwa.CompletedEpochs);
        Assert.Equal((w0 * 3) + (w1 * 5), dwa.Combine([0, 1], [Tensor.Scalar(3f), Tensor.Scalar(5f)], [1f, 1f]).Item(), 5);
        Assert.Equal(w1 * 5, dwa.Combine([1], [Tensor.Scalar(5f)], [1f]).Item(), 5);

        // Half an epoch, saved and restored into a fresh strategy, continues exactly.
        dwa.OnStep([0, 1], [0.9f, 1.2f], 4);
        var bag = new StateBag();
        dwa.SaveState(bag);
        var again = new DwaWeighting(2, epochSteps: 2);
        again.LoadState(bag);
        dwa.OnStep([0, 1], [0.6f, 0.7f], 5);
        again.OnStep([0, 1], [0.6f, 0.7f], 5);
        Assert.Equal(dwa.Weights(), again.Weights());
        Assert.Equal(3, again.CompletedEpochs);
        Assert.NotEqual(w0, again.Weights()[0]);
    }

    [Fact]
    public void LogLossIsTheSumOfLogsWithGradientOneOverLoss()
    {
        var log = new LogLossWeighting(2);
        Assert.Equal(Math.Log(16), log.Combine([0, 1], [Tensor.Scalar(2f), Tensor.Scalar(8f)], [1f, 1f]).Item(), 5);
        Assert.Equal(0.125, log.Weights()[1], 6);
        var l0 = Tensor.Scalar(1.5f);
        var l1 = Tensor.Scalar(0.7f);
        l0.RequiresGrad = l1.RequiresGrad = true;
        GradCheck.Check("DB-MTL log", i => log.Combine([0, 1], [i[0], i[1]], [1f, 1f]), [l0, l1], eps: 1e-3f);
    }

    [Fact]
    public void StchIsASmoothMaximumWithSoftmaxGradients()
    {
        var stch = new SmoothTchebycheffWeighting(2);
        Assert.Equal(2 + Math.Log(1 + Math.Exp(-1)), stch.Combine([0, 1], [Tensor.Scalar(1f), Tensor.Scalar(2f)], [1f, 1f]).Item(), 5);
        Assert.Equal(1 / (1 + Math.E), stch.Weights()[0], 6);
        var sharp = new SmoothTchebycheffWeighting(2, mu: 0.01f);
        Assert.Equal(50f, sharp.Combine([0, 1], [Tensor.Scalar(10f), Tensor.Scalar(50f)], [1f, 1f]).Item(), 3);   // ≈ max, no overflow

        var l0 = Tensor.Scalar(1.5f);
        var l1 = Tensor.Scalar(0.7f);
        l0.RequiresGrad = l1.RequiresGrad = true;
        var soft = new SmoothTchebycheffWeighting(2, mu: 0.5f);
        GradCheck.Check("STCH", i => soft.Combine([0, 1], [i[0], i[1]], [1f, 1f]), [l0, l1], eps: 1e-3f);
    }

    [Theory]
    [InlineData(LossWeightingKind.Fixed, "fixed")]
    [InlineData(LossWeightingKind.Uncertainty, "uncertainty")]
    [InlineData(LossWeightingKind.Gls, "gls")]
    [InlineData(LossWeightingKind.ImtlL, "imtl-l")]
    [InlineData(LossWeightingKind.Rlw, "rlw")]
    [InlineData(LossWeightingKind.Dwa, "dwa")]
    [InlineData(LossWeightingKind.DbMtlLog, "dbmtl-log")]
    [InlineData(LossWeightingKind.Stch, "stch")]
    public void TheFactoryBuildsEveryKind(LossWeightingKind kind, string name)
    {
        var w = LossWeightings.Create(kind, 3, new Rng(1), stepsPerEpoch: 10);
        Assert.Equal(name, w.Name);
        Assert.Equal(3, w.Weights().Length);
        Assert.True(float.IsFinite(w.Combine([0, 2], [Tensor.Scalar(1f), Tensor.Scalar(2f)], [1f, 1f]).Item()));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Combine([3], [Tensor.Scalar(1f)], [1f]));
    }
}
