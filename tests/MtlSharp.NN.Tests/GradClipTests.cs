using MtlSharp.NN.Optim;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.NN.Tests;

public sealed class GradClipTests
{
    [Theory]
    [InlineData("1.0")]
    [InlineData("100.0")]
    public void ClipGlobalNorm_MatchesPyTorch(string maxNorm)
    {
        var fx = Fixtures.Load("nn/clip.json");
        var ps = fx.GetProperty("grads").EnumerateArray().Select((g, i) =>
        {
            var t = Fixtures.ToTensor(g);
            var p = new Parameter($"p{i}", Tensor.Zeros(t.Shape));
            t.Span.CopyTo(p.Grad);
            return p;
        }).ToArray();
        var c = fx.GetProperty("cases").GetProperty(maxNorm);
        float norm = GradClip.ClipGlobalNorm(ps, float.Parse(maxNorm, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((float)c.GetProperty("norm").GetDouble(), norm, 5);
        var expected = c.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++)
        {
            TensorAssert.Close(Fixtures.Floats(expected[i]), ps[i].Grad, 1e-7, 1e-6, $"param {i}");
        }
    }

    [Fact]
    public void FlatBuffer_HandComputed()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, GradClip.ClipGlobalNorm(g.AsSpan(), 1f));
        Assert.Equal(0.6f, g[0], 5);
        Assert.Equal(0.8f, g[1], 5);
        Assert.Equal(1f, GradClip.ClipGlobalNorm(g.AsSpan(), 2f), 5);
        Assert.Equal(0.6f, g[0], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradClip.ClipGlobalNorm(g.AsSpan(), 0f));
    }
}
