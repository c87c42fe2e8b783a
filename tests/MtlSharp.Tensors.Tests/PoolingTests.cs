using System.Text.Json;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>MaxPool2d, AvgPool2d (Valid/Same, k 2/3, stride 1/2) and GlobalAvgPool.</summary>
public sealed class PoolingTests
{
    /// <summary>Distinct values 0.1 apart in shuffled order (no max ties within ±eps of the check).</summary>
    private static Tensor NoTies(ulong seed, params int[] dims)
    {
        var t = Tensor.Zeros(dims);
        Span<float> s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (i * 0.1f) - 3f;
        }

        var rng = new Rng(seed);
        for (int i = s.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (s[i], s[j]) = (s[j], s[i]);
        }

        t.RequiresGrad = true;
        return t;
    }

    public static TheoryData<bool, int, int, PaddingMode> Modes
    {
        get
        {
            var d = new TheoryData<bool, int, int, PaddingMode>();
            foreach (bool max in new[] { true, false })
            {
                foreach (int k in new[] { 2, 3 })
                {
                    foreach (int s in new[] { 1, 2 })
                    {
                        d.Add(max, k, s, PaddingMode.Valid);
                        d.Add(max, k, s, PaddingMode.Same);
                    }
                }
            }

            return d;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void GradientsMatchFiniteDifferences(bool max, int k, int s, PaddingMode padding)
    {
        var x = NoTies(3, 2, 2, 7, 6);
        Func<Tensor[], Tensor> op = max ? t => Ops.MaxPool2d(t[0], k, s, padding) : t => Ops.AvgPool2d(t[0], k, s, padding);
        GradCheck.Check($"{(max ? "Max" : "Avg")}Pool2d k{k} s{s} {padding}", op, [x], eps: 1e-2f);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void MatchesPyTorch(bool max, int k, int s, PaddingMode padding)
    {
        string name = $"{(max ? "max" : "avg")}_k{k}_s{s}_{(padding == PaddingMode.Same ? "same" : "valid")}";
        JsonElement c = Fixtures.Load("conv/pool2d.json").GetProperty(name);
        var x = Fixtures.ToTensor(c.GetProperty("x"), requiresGrad: true);
        Tensor y = max ? Ops.MaxPool2d(x, k, s, padding) : Ops.AvgPool2d(x, k, s, padding);
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("y")), y, what: name + " y");
        Autograd.Backward(y, Fixtures.Floats(c.GetProperty("gy")));
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("dx")), x.Grad!, what: name + " dx");
    }

    [Fact]
    public void PaddedCellsNeverWinAndAreNotAveraged()
    {
        var x = Tensor.Full(new Shape(1, 1, 3, 3), -5f);
        x[0, 0, 2, 2] = -1f;
        Tensor m = Ops.MaxPool2d(x, 2, 2, PaddingMode.Same); // 3 → 2, total pad 1 (after)
        Assert.Equal([-5f, -5f, -5f, -1f], m.ToArray());
        Tensor a = Ops.AvgPool2d(x, 3, 1, PaddingMode.Same); // corners average 4 real cells
        Assert.Equal(-5f, a[0, 0, 0, 0]);
        Assert.Equal(-4f, a[0, 0, 2, 2]); // (-5·3 − 1)/4
    }

    [Fact]
    public void MaxRoutesToFirstMaximum()
    {
        var x = Tensor.FromArray([1f, 2f, 2f, 0f], 1, 1, 2, 2);
        x.RequiresGrad = true;
        Autograd.Backward(Ops.MaxPool2d(x, 2, 2), [3f]);
        Assert.Equal([0f, 3f, 0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void StrideTwoSameChainSizes()
    {
        Tensor h = Tensor.Zeros(1, 2, 105, 105);
        foreach (int e in new[] { 53, 27, 14, 7, 4 })
        {
            h = Ops.MaxPool2d(h, 3, 2, PaddingMode.Same);
            Assert.Equal(new Shape(1, 2, e, e), h.Shape);
        }

        Assert.Equal(new Shape(1, 2, 52, 52), Ops.AvgPool2d(Tensor.Zeros(1, 2, 105, 105), 2, 2).Shape);
        Assert.Equal(new Shape(1, 2, 105, 105), Ops.AvgPool2d(Tensor.Zeros(1, 2, 105, 105), 3, 1, PaddingMode.Same).Shape);
    }

    /// <summary>The vectorised full-window 2×2/2 average pooling (8-, 4-wide and scalar columns, odd sizes) against a plain loop.</summary>
    [Theory]
    [InlineData(24, 24, PaddingMode.Valid)]
    [InlineData(10, 11, PaddingMode.Valid)]
    [InlineData(37, 36, PaddingMode.Valid)]
    [InlineData(6, 22, PaddingMode.Same)]
    public void AvgPoolTwoByTwoMatchesPlainLoop(int h, int w, PaddingMode padding)
    {
        var x = NoTies(3, 2, 3, h, w);
        Tensor y = Ops.AvgPool2d(x, 2, 2, padding);
        int ho = h / 2, wo = w / 2;
        Assert.Equal(new Shape(2, 3, ho, wo), y.Shape);
        var gy = Tensor.Normal(new Shape(2, 3, ho, wo), 0, 1, new Rng(4));
        var expectY = new float[y.Length];
        var expectGx = new float[x.Length];
        ReadOnlySpan<float> xs = x.Span, gys = gy.Span;
        for (int p = 0; p < 6; p++)
        {
            for (int oh = 0; oh < ho; oh++)
            {
                for (int ow = 0; ow < wo; ow++)
                {
                    int i = (p * h * w) + (2 * oh * w) + (2 * ow), o = (p * ho * wo) + (oh * wo) + ow;
                    expectY[o] = (xs[i] + xs[i + 1] + xs[i + w] + xs[i + w + 1]) / 4;
                    foreach (int c in new[] { i, i + 1, i + w, i + w + 1 })
                    {
                        expectGx[c] += gys[o] / 4;
                    }
                }
            }
        }

        TensorAssert.Close(expectY, y.Span, 1e-6, 1e-6, "avg 2x2 y");
        Autograd.Backward(y, gy.Span);
        TensorAssert.Close(expectGx, x.Grad!.Span, 1e-6, 1e-6, "avg 2x2 dx");
        GradCheck.Check("AvgPool2d 2x2", t => Ops.AvgPool2d(t[0], 2, 2, padding), [NoTies(5, 1, 2, h, w)]);
    }

    [Fact]
    public void GlobalAvgPoolValuesAndGradient()
    {
        var x = NoTies(5, 2, 3, 4, 5);
        Tensor y = Ops.GlobalAvgPool(x);
        Assert.Equal(new Shape(2, 3), y.Shape);
        float mean = 0;
        for (int i = 0; i < 20; i++)
        {
            mean += x.Span[20 + i];
        }

        Assert.Equal(mean / 20, y[0, 1], 5);
        GradCheck.Check("GlobalAvgPool", t => Ops.GlobalAvgPool(t[0]), [x]);
    }

    // 105·105 values with mean 3: summed in double, the mean is the float64 one rounded (a float sum was ~1e-5 off).
    [Fact]
    public void GlobalAvgPoolOfLargePlanesIsAccurate()
    {
        var x = Tensor.Normal(new Shape(2, 3, 105, 105), 3f, 0.5f, new Rng(6));
        float[] y = Ops.GlobalAvgPool(x).ToArray();
        ReadOnlySpan<float> xs = x.Span;
        for (int p = 0; p < 6; p++)
        {
            double sum = 0;
            foreach (float v in xs.Slice(p * 105 * 105, 105 * 105))
            {
                sum += v;
            }

            Assert.Equal((float)(sum / (105 * 105)), y[p]);
        }
    }

    [Fact]
    public void BadShapesNameTheOp()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.MaxPool2d(Tensor.Zeros(2, 8, 8), 2, 2));
        Assert.Contains("MaxPool2d", ex.Message);
        Assert.Contains("[2, 8, 8]", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => Ops.AvgPool2d(Tensor.Zeros(1, 1, 2, 2), 3, 1));
        Assert.Contains("AvgPool2d", ex.Message);
        ex = Assert.Throws<ShapeMismatchException>(() => Ops.GlobalAvgPool(Tensor.Zeros(2, 3)));
        Assert.Contains("GlobalAvgPool", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, 0));
    }
}
