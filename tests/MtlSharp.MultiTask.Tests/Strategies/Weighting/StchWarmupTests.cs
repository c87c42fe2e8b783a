using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Strategies.Weighting;

public sealed class StchWarmupTests
{
    [Fact]
    public void AfterTheWarmUpTheLossesAreNormalisedByTheirNadir()
    {
        var s = new SmoothTchebycheffWeighting(2, mu: 0.5f, warmup: 2);
        Tensor[] l = [Tensor.Scalar(3f), Tensor.Scalar(0.2f)];
        Assert.Equal(3.2f, s.Combine([0, 1], l, [1f, 1f]).Item(), 5);   // warm-up: the plain sum
        s.OnStep([0, 1], [3f, 0.2f], 0);
        s.OnStep([0, 1], [4f, 0.1f], 1);
        Assert.Equal([4.0, 0.2f], s.Nadir.Select(x => (double)(float)x));
        float v = s.Combine([0, 1], [Tensor.Scalar(2f), Tensor.Scalar(0.15f)], [1f, 1f]).Item();
        double a = 2.0 / 4, b = 0.15 / (double)0.2f;
        Assert.Equal(0.5 * Math.Log(Math.Exp(a / 0.5) + Math.Exp(b / 0.5)), v, 5);
        Assert.True(s.Weights()[1] > s.Weights()[0]);   // the task nearer its nadir dominates

        var bag = new StateBag();
        s.SaveState(bag);
        var t = new SmoothTchebycheffWeighting(2, mu: 0.5f, warmup: 2);
        t.LoadState(bag);
        Assert.Equal(v, t.Combine([0, 1], [Tensor.Scalar(2f), Tensor.Scalar(0.15f)], [1f, 1f]).Item());
    }

    [Fact]
    public void WithoutAWarmUpItIsTheUnnormalisedSmoothMaximum()
    {
        var s = new SmoothTchebycheffWeighting(2);
        s.OnStep([0, 1], [3f, 1f], 0);
        float v = s.Combine([0, 1], [Tensor.Scalar(1f), Tensor.Scalar(2f)], [1f, 1f]).Item();
        Assert.Equal(Math.Log(Math.Exp(1) + Math.Exp(2)), v, 5);
    }
}
