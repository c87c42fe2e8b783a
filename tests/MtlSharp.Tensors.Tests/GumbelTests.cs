using MtlSharp.Tensors;

namespace MtlSharp.Tensors.Tests;

public sealed class GumbelTests
{
    [Fact]
    public void DeterministicWithSeed()
    {
        var a = Ops.GumbelNoise(new Shape(3, 4), new Rng(5)).ToArray();
        var b = Ops.GumbelNoise(new Shape(3, 4), new Rng(5)).ToArray();
        var c = Ops.GumbelNoise(new Shape(3, 4), new Rng(6)).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.False(Ops.GumbelNoise(new Shape(2), new Rng(1)).RequiresGrad);
    }

    [Fact]
    public void SampleMeanIsEulerMascheroniAndVarianceIsPiSquaredOverSix()
    {
        const int n = 50000;
        var g = Ops.GumbelNoise(new Shape(n), new Rng(123));
        double sum = 0, sq = 0;
        foreach (float v in g.Span)
        {
            Assert.True(float.IsFinite(v));
            sum += v;
            sq += v * v;
        }

        double mean = sum / n;
        double variance = (sq / n) - (mean * mean);
        Assert.InRange(mean, 0.5772 - 0.03, 0.5772 + 0.03); // standard error ≈ 1.28/√n ≈ 0.006
        Assert.InRange(variance, (Math.PI * Math.PI / 6) - 0.1, (Math.PI * Math.PI / 6) + 0.1);
    }
}
