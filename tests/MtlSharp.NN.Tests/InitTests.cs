using MtlSharp.NN.Init;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Tests;

public sealed class InitTests
{
    private static (double Mean, double Std, float Min, float Max) Stats(ReadOnlySpan<float> s)
    {
        double sum = 0, sq = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in s)
        {
            sum += v;
            sq += v * (double)v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double mean = sum / s.Length;
        return (mean, Math.Sqrt((sq / s.Length) - (mean * mean)), min, max);
    }

    private static void AssertUniform(ReadOnlySpan<float> s, double bound)
    {
        var (mean, std, min, max) = Stats(s);
        Assert.True(min >= -bound && max <= bound, $"values in [{min}, {max}] exceed ±{bound}");
        Assert.True(max > 0.95 * bound && min < -0.95 * bound, $"values in [{min}, {max}] do not reach ±{bound}");
        Assert.InRange(mean, -0.03 * bound, 0.03 * bound);
        Assert.InRange(std, 0.97 * bound / Math.Sqrt(3), 1.03 * bound / Math.Sqrt(3));
    }

    private static void AssertNormal(ReadOnlySpan<float> s, double std)
    {
        var (m, sd, _, _) = Stats(s);
        Assert.InRange(m, -0.03 * std, 0.03 * std);
        Assert.InRange(sd, 0.97 * std, 1.03 * std);
    }

    [Fact]
    public void Fans_AndGains_MatchPyTorch()
    {
        Assert.Equal((12, 20), TensorInit.Fans(new Shape(5, 3, 2, 2)));
        Assert.Equal((4, 3), TensorInit.Fans(new Shape(3, 4)));
        Assert.Throws<ArgumentException>(() => TensorInit.Fans(new Shape(3)));
        Assert.Equal(5f / 3f, TensorInit.Gain(Nonlinearity.Tanh));
        Assert.Equal(MathF.Sqrt(2f), TensorInit.Gain(Nonlinearity.Relu));
        Assert.Equal(MathF.Sqrt(2f / (1f + 5f)), TensorInit.Gain(Nonlinearity.LeakyRelu, MathF.Sqrt(5f)), 6);
    }

    [Fact]
    public void LinearAndConvDefaults_AreUniformOneOverSqrtFanIn()
    {
        var rng = new Rng(11);
        var lin = new Linear(64, 200, rng);
        AssertUniform(lin.Weight.Data, 1 / Math.Sqrt(64));
        var conv = new Conv2d(4, 100, 3, 4, rng);
        AssertUniform(conv.Weight.Data, 1 / Math.Sqrt(4 * 3 * 4));
        var bigBias = new Linear(16, 20000, rng);
        AssertUniform(bigBias.Bias!.Data, 1 / Math.Sqrt(16));
    }

    [Fact]
    public void EmbeddingIsStandardNormal_LstmIsUniformOneOverSqrtH()
    {
        var rng = new Rng(12);
        AssertNormal(new Embedding(1000, 20, rng).Weight.Data, 1.0);
        var lstm = new BiLstm(50, 25, rng);
        foreach (var p in lstm.Parameters())
        {
            Assert.All(p.Data.ToArray(), v => Assert.InRange(v, -0.2f, 0.2f));
        }

        AssertUniform(lstm.Direction(0, reverse: true).WeightIh.Data, 0.2);
    }

    [Fact]
    public void XavierAndKaiming_HaveTheirStandardDeviations()
    {
        var rng = new Rng(13);
        var t = Tensor.Zeros(120, 80);
        TensorInit.XavierUniform(t, rng, gain: 2f);
        AssertUniform(t.Span, 2 * Math.Sqrt(6.0 / 200));
        TensorInit.XavierNormal(t, rng);
        AssertNormal(t.Span, Math.Sqrt(2.0 / 200));
        TensorInit.KaimingUniform(t, rng, nonlinearity: Nonlinearity.Relu);
        AssertUniform(t.Span, Math.Sqrt(2) * Math.Sqrt(3.0 / 80));
        TensorInit.KaimingNormal(t, rng, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
        AssertNormal(t.Span, Math.Sqrt(2.0 / 120));
        new Initializer.KaimingNormal(0f, FanMode.FanIn, Nonlinearity.Tanh).Apply(t, rng);
        AssertNormal(t.Span, 5.0 / 3 / Math.Sqrt(80));
    }

    [Fact]
    public void Constants_AndTypedInitializers()
    {
        var rng = new Rng(14);
        var t = Tensor.Zeros(4, 4);
        new Initializer.Ones().Apply(t, rng);
        Assert.All(t.ToArray(), v => Assert.Equal(1f, v));
        new Initializer.Constant(0.25f).Apply(t, rng);
        Assert.All(t.ToArray(), v => Assert.Equal(0.25f, v));
        new Initializer.Zeros().Apply(t, rng);
        Assert.All(t.ToArray(), v => Assert.Equal(0f, v));
        new Initializer.Uniform(2f, 3f).Apply(t, rng);
        Assert.All(t.ToArray(), v => Assert.InRange(v, 2f, 3f));
        var lin = new Linear(3, 2, rng, weightInit: new Initializer.Constant(0.5f), biasInit: new Initializer.Zeros());
        Assert.All(lin.Weight.Data.ToArray(), v => Assert.Equal(0.5f, v));
        Assert.All(lin.Bias!.Data.ToArray(), v => Assert.Equal(0f, v));
        var norm = new GroupNorm(2, 6);
        Assert.All(norm.Weight!.Data.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(norm.Bias!.Data.ToArray(), v => Assert.Equal(0f, v));

        // Same seed, same weights.
        Assert.Equal(new Linear(5, 5, new Rng(9)).Weight.Data.ToArray(), new Linear(5, 5, new Rng(9)).Weight.Data.ToArray());
    }
}
