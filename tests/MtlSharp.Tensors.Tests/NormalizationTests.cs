using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>LayerNorm and GroupNorm: values and gradients against a float64 reference, GradCheck, PyTorch parity, errors.</summary>
public sealed class NormalizationTests
{
    private static Tensor Rand(ulong seed, bool grad, float mean, float std, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), mean, std, new Rng(seed));
        t.RequiresGrad = grad;
        return t;
    }

    /// <summary>
    /// Plain float64 normalisation over <paramref name="blocks"/> contiguous blocks of <paramref name="cnt"/>
    /// elements; element i of block b uses affine parameter <paramref name="param"/>(b, i). Returns y and, for
    /// upstream gradient g, dx, dgamma, dbeta.
    /// </summary>
    private static (double[] Y, double[] Dx, double[] Dg, double[] Db) Reference(
        float[] x, float[]? gamma, float[]? beta, float[] g, int blocks, int cnt, int paramCount, Func<int, int, int> param, double eps)
    {
        var y = new double[x.Length];
        var dx = new double[x.Length];
        var dg = new double[paramCount];
        var db = new double[paramCount];
        for (int b = 0; b < blocks; b++)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < cnt; i++)
            {
                mean += x[(b * cnt) + i];
            }

            mean /= cnt;
            for (int i = 0; i < cnt; i++)
            {
                double d = x[(b * cnt) + i] - mean;
                var += d * d;
            }

            double rstd = 1 / Math.Sqrt((var / cnt) + eps);
            double mdh = 0, mdhx = 0;
            var xh = new double[cnt];
            var dh = new double[cnt];
            for (int i = 0; i < cnt; i++)
            {
                int k = (b * cnt) + i, p = param(b, i);
                xh[i] = (x[k] - mean) * rstd;
                double w = gamma is null ? 1 : gamma[p];
                y[k] = (xh[i] * w) + (beta is null ? 0 : beta[p]);
                dh[i] = g[k] * w;
                mdh += dh[i];
                mdhx += dh[i] * xh[i];
                dg[p] += g[k] * xh[i];
                db[p] += g[k];
            }

            mdh /= cnt;
            mdhx /= cnt;
            for (int i = 0; i < cnt; i++)
            {
                dx[(b * cnt) + i] = rstd * (dh[i] - mdh - (xh[i] * mdhx));
            }
        }

        return (y, dx, dg, db);
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
        }
    }

    private static void CheckLayerNormAgainstReference(int[] dims, bool affine, ulong seed)
    {
        int d = dims[^1];
        var x = Rand(seed, true, 0.5f, 2f, dims);
        var gamma = affine ? Rand(seed + 1, true, 1f, 0.5f, d) : null;
        var beta = affine ? Rand(seed + 2, true, 0f, 0.5f, d) : null;
        var g = Rand(seed + 3, false, 0f, 1f, dims).ToArray();
        var y = Ops.LayerNorm(x, gamma, beta);
        var r = Reference(x.ToArray(), gamma?.ToArray(), beta?.ToArray(), g, x.Length / d, d, d, (_, i) => i, 1e-5);
        AssertClose(r.Y, y.Span, 2e-5, "LayerNorm y");
        Autograd.Backward(y, g);
        AssertClose(r.Dx, x.Grad!.Span, 2e-4, "LayerNorm dx");
        if (affine)
        {
            AssertClose(r.Dg, gamma!.Grad!.Span, 2e-4, "LayerNorm dgamma");
            AssertClose(r.Db, beta!.Grad!.Span, 2e-4, "LayerNorm dbeta");
        }
    }

    private static void CheckGroupNormAgainstReference(int[] dims, int groups, bool affine, ulong seed)
    {
        int c = dims[1], n = dims[0], cg = c / groups;
        int spatial = 1;
        for (int i = 2; i < dims.Length; i++)
        {
            spatial *= dims[i];
        }

        var x = Rand(seed, true, 0.5f, 2f, dims);
        var gamma = affine ? Rand(seed + 1, true, 1f, 0.5f, c) : null;
        var beta = affine ? Rand(seed + 2, true, 0f, 0.5f, c) : null;
        var g = Rand(seed + 3, false, 0f, 1f, dims).ToArray();
        var y = Ops.GroupNorm(x, groups, gamma, beta);
        var r = Reference(x.ToArray(), gamma?.ToArray(), beta?.ToArray(), g, n * groups, cg * spatial, c, (b, i) => ((b % groups) * cg) + (i / spatial), 1e-5);
        AssertClose(r.Y, y.Span, 2e-5, "GroupNorm y");
        Autograd.Backward(y, g);
        AssertClose(r.Dx, x.Grad!.Span, 2e-4, "GroupNorm dx");
        if (affine)
        {
            AssertClose(r.Dg, gamma!.Grad!.Span, 5e-4, "GroupNorm dgamma");
            AssertClose(r.Db, beta!.Grad!.Span, 5e-4, "GroupNorm dbeta");
        }
    }

    [Fact]
    public void LayerNormMatchesReference()
    {
        CheckLayerNormAgainstReference([4, 7], affine: true, seed: 1);
        CheckLayerNormAgainstReference([2, 3, 19], affine: false, seed: 2);
        CheckLayerNormAgainstReference([600, 256], affine: true, seed: 3); // parallel rows and columns
    }

    [Fact]
    public void GroupNormMatchesReference()
    {
        CheckGroupNormAgainstReference([2, 6, 5], 3, affine: true, seed: 4);
        CheckGroupNormAgainstReference([2, 4, 3, 3], 2, affine: false, seed: 5);
        CheckGroupNormAgainstReference([3, 4], 2, affine: true, seed: 6); // no spatial axes
        CheckGroupNormAgainstReference([4, 8, 64, 64], 4, affine: true, seed: 7); // parallel over (n, group)
    }

    // Groups of 2·105·105 = 22,050 values like a drawing's: a constant background and 8% strokes. Float accumulation
    // of the statistics repeats the same rounding error, ~1e-5 relative (6.7e-5 on Omniglot's first GroupNorm); in
    // double the outputs are within a few ulps of the float64 reference.
    [Fact]
    public void GroupNormStatisticsOfLargeGroupsAreAccurate()
    {
        var x = Tensor.Zeros(2, 4, 105, 105);
        Span<float> xs = x.Span;
        for (int i = 0; i < xs.Length; i++)
        {
            float background = 0.3f + (0.1f * (i / (105 * 105)));
            xs[i] = (i * 7919) % 100 < 8 ? background - 0.9f : background;
        }

        var gamma = Rand(9, false, 1f, 0.5f, 4);
        var beta = Rand(10, false, 0f, 0.5f, 4);
        var y = Ops.GroupNorm(x, 2, gamma, beta);
        int spatial = 105 * 105;
        var r = Reference(x.ToArray(), gamma.ToArray(), beta.ToArray(), new float[x.Length], 2 * 2, 2 * spatial, 4, (b, i) => ((b % 2) * 2) + (i / spatial), 1e-5);
        AssertClose(r.Y, y.Span, 1e-6, "GroupNorm y");
    }

    [Fact]
    public void GradCheckLayerNorm()
    {
        GradCheck.Check(
            "LayerNorm affine",
            t => Ops.LayerNorm(t[0], t[1], t[2]),
            [Rand(10, true, 0.3f, 1.5f, 3, 6), Rand(11, true, 1f, 0.5f, 6), Rand(12, true, 0f, 0.5f, 6)]);
        GradCheck.Check("LayerNorm plain", t => Ops.LayerNorm(t[0], null, null), [Rand(13, true, -0.4f, 1f, 2, 2, 5)]);
        GradCheck.Check("LayerNorm gamma only", t => Ops.LayerNorm(t[0], t[1], null), [Rand(14, true, 0f, 1f, 2, 5), Rand(15, true, 1f, 0.5f, 5)]);
    }

    [Theory]
    [InlineData(new[] { 2, 4, 5 }, 1)]
    [InlineData(new[] { 2, 4, 5 }, 2)]
    [InlineData(new[] { 2, 4, 5 }, 4)]
    [InlineData(new[] { 2, 4, 3, 3 }, 1)]
    [InlineData(new[] { 2, 4, 3, 3 }, 2)]
    [InlineData(new[] { 2, 4, 3, 3 }, 4)]
    public void GradCheckGroupNorm(int[] dims, int groups)
    {
        GradCheck.Check(
            $"GroupNorm {string.Join("x", dims)} G={groups}",
            t => Ops.GroupNorm(t[0], groups, t[1], t[2]),
            [Rand(20, true, 0.3f, 1.5f, dims), Rand(21, true, 1f, 0.5f, 4), Rand(22, true, 0f, 0.5f, 4)]);
        GradCheck.Check(
            $"GroupNorm plain {string.Join("x", dims)} G={groups}",
            t => Ops.GroupNorm(t[0], groups, null, null),
            [Rand(23, true, -0.2f, 1f, dims)]);
    }

    [Fact]
    public void GroupNormMatchesPyTorch()
    {
        var f = Fixtures.Load("structure/groupnorm.json");
        var x = Fixtures.ToTensor(f.GetProperty("x"), true);
        var gamma = Fixtures.ToTensor(f.GetProperty("gamma"), true);
        var beta = Fixtures.ToTensor(f.GetProperty("beta"), true);
        var y = Ops.GroupNorm(x, f.GetProperty("groups").GetInt32(), gamma, beta, (float)f.GetProperty("eps").GetDouble());
        TensorAssert.Close(Fixtures.ToTensor(f.GetProperty("y")), y, 1e-5, 1e-5, "y");
        Autograd.Backward(y, Fixtures.Floats(f.GetProperty("gy")));
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dx")), x.Grad!.Span, 1e-5, 1e-5, "dx");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dgamma")), gamma.Grad!.Span, 1e-5, 1e-5, "dgamma");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dbeta")), beta.Grad!.Span, 1e-5, 1e-5, "dbeta");
    }

    [Fact]
    public void LayerNormMatchesPyTorch()
    {
        var f = Fixtures.Load("structure/layernorm.json");
        var x = Fixtures.ToTensor(f.GetProperty("x"), true);
        var gamma = Fixtures.ToTensor(f.GetProperty("gamma"), true);
        var beta = Fixtures.ToTensor(f.GetProperty("beta"), true);
        var y = Ops.LayerNorm(x, gamma, beta, (float)f.GetProperty("eps").GetDouble());
        TensorAssert.Close(Fixtures.ToTensor(f.GetProperty("y")), y, 1e-5, 1e-5, "y");
        Autograd.Backward(y, Fixtures.Floats(f.GetProperty("gy")));
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dx")), x.Grad!.Span, 1e-5, 1e-5, "dx");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dgamma")), gamma.Grad!.Span, 1e-5, 1e-5, "dgamma");
        TensorAssert.Close(Fixtures.Floats(f.GetProperty("dbeta")), beta.Grad!.Span, 1e-5, 1e-5, "dbeta");
    }

    [Fact]
    public void ResultsAreBitIdenticalRunToRun()
    {
        var x = Rand(30, true, 0f, 1f, 4, 8, 64, 64);
        var gamma = Rand(31, true, 1f, 0.5f, 8);
        float[] g = Rand(32, false, 0f, 1f, 4, 8, 64, 64).ToArray();
        float[]? y0 = null, dx0 = null, dg0 = null;
        for (int run = 0; run < 2; run++)
        {
            x.ZeroGrad();
            gamma.ZeroGrad();
            var y = Ops.GroupNorm(x, 4, gamma, null);
            Autograd.Backward(y, g);
            if (run == 0)
            {
                (y0, dx0, dg0) = (y.ToArray(), x.Grad!.ToArray(), gamma.Grad!.ToArray());
            }
            else
            {
                Assert.Equal(y0, y.ToArray());
                Assert.Equal(dx0, x.Grad!.ToArray());
                Assert.Equal(dg0, gamma.Grad!.ToArray());
            }
        }
    }

    [Fact]
    public void ErrorsNameOpAndShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.GroupNorm(Tensor.Zeros(2, 6, 3), 4, null, null));
        Assert.Contains("GroupNorm", ex.Message);
        Assert.Contains("divisible", ex.Message);
        Assert.Contains("[2, 6, 3]", ex.Message);
        var exg = Assert.Throws<ShapeMismatchException>(() => Ops.GroupNorm(Tensor.Zeros(2, 6, 3), 3, Tensor.Zeros(5), null));
        Assert.Contains("GroupNorm", exg.Message);
        Assert.Contains("[2, 6, 3]", exg.Message);
        Assert.Contains("[5]", exg.Message);
        Assert.Throws<ShapeMismatchException>(() => Ops.GroupNorm(Tensor.Zeros(6), 3, null, null));
        var exl = Assert.Throws<ShapeMismatchException>(() => Ops.LayerNorm(Tensor.Zeros(2, 6), Tensor.Zeros(4), null));
        Assert.Contains("LayerNorm", exl.Message);
        Assert.Contains("[2, 6]", exl.Message);
        Assert.Contains("[4]", exl.Message);
    }
}
