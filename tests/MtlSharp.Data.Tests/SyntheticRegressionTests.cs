using MtlSharp.Data.Synthetic;
using MtlSharp.Tensors;

namespace MtlSharp.Data.Tests;

public sealed class SyntheticRegressionTests
{
    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }

    private static double[] LinearPart(SyntheticRegressionData data, int task)
    {
        var s = new double[data.Count];
        for (int n = 0; n < data.Count; n++)
        {
            s[n] = Dot(data.Inputs[task].AsSpan(n * data.Dim, data.Dim), data.Weights[task]);
        }

        return s;
    }

    [Fact]
    public void RandomOrthonormal_IsOrthonormal()
    {
        double[][] q = SyntheticRegression.RandomOrthonormal(32, 32, new Rng(7));
        for (int i = 0; i < q.Length; i++)
        {
            for (int j = 0; j < q.Length; j++)
            {
                double dot = 0;
                for (int k = 0; k < 32; k++)
                {
                    dot += q[i][k] * q[j][k];
                }

                Assert.True(Math.Abs(dot - (i == j ? 1.0 : 0.0)) < 1e-12, $"<q{i}, q{j}> = {dot}");
            }
        }
    }

    [Fact]
    public void Weights_WithinClusterCosineIsRho_AcrossClustersOrthogonal()
    {
        var options = new SyntheticRegressionOptions { Dim = 24, Scale = 2.0, Rho = 0.6, ClusterSizes = [3, 2, 1] };
        SyntheticRegressionData data = SyntheticRegression.Generate(options, 4, new Rng(1));
        Assert.Equal(6, data.NumTasks);
        Assert.Equal(new[] { 0, 0, 0, 1, 1, 2 }, data.ClusterOf);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(4.0, Dot(data.Weights[i], data.Weights[i]), 5); // |w| = c
            for (int j = i + 1; j < 6; j++)
            {
                double cos = Dot(data.Weights[i], data.Weights[j]) / 4.0;
                double expected = data.ClusterOf[i] != data.ClusterOf[j] ? 0.0
                    : i == 0 || i == 3 ? 0.6 // the cluster's first task against another member: rho
                    : 0.36; // two non-first members share only the rho*u0 component: rho^2
                Assert.True(Math.Abs(cos - expected) < 1e-6, $"cos(w{i}, w{j}) = {cos}, expected {expected}");
            }
        }
    }

    [Fact]
    public void RhoOne_NoNoise_RelatedTargetsIdentical_UnrelatedDiffer()
    {
        var options = SyntheticRegressionOptions.Pairs(2, rho: 1.0) with { NoiseStd = 0 };
        SyntheticRegressionData data = SyntheticRegression.Generate(options, 500, new Rng(3));
        Assert.Equal(128, data.Dim);
        Assert.Equal(data.Targets[0], data.Targets[1]);
        Assert.Equal(data.Targets[2], data.Targets[3]);
        Assert.NotEqual(data.Targets[0], data.Targets[2]);
        Assert.Same(data.Inputs[0], data.Inputs[3]);
    }

    [Fact]
    public void TargetsFollowTheFormula()
    {
        var options = new SyntheticRegressionOptions { Dim = 8, NoiseStd = 0, ClusterSizes = [2], Rho = 0.3 };
        SyntheticRegressionData data = SyntheticRegression.Generate(options, 50, new Rng(5));
        for (int t = 0; t < 2; t++)
        {
            double[] s = LinearPart(data, t);
            for (int n = 0; n < 50; n++)
            {
                double y = s[n];
                for (int i = 1; i <= 6; i++)
                {
                    y += Math.Sin((i * s[n]) + ((i - 1) * (i - 1)));
                }

                Assert.True(Math.Abs(y - data.Targets[t][n]) < 1e-6 * Math.Max(1, Math.Abs(y)), $"task {t} row {n}: {data.Targets[t][n]} vs {y}");
            }
        }

        // m = 0: a linear task.
        SyntheticRegressionData linear = SyntheticRegression.Generate(options with { NumSines = 0 }, 20, new Rng(5));
        double[] lin = LinearPart(linear, 0);
        for (int n = 0; n < 20; n++)
        {
            Assert.True(Math.Abs(lin[n] - linear.Targets[0][n]) < 1e-6 * Math.Max(1, Math.Abs(lin[n])));
        }
    }

    [Fact]
    public void LinearPartCorrelationTracksRho()
    {
        foreach ((double rho, double tol) in new[] { (0.0, 0.03), (0.5, 0.03), (-0.8, 0.03) })
        {
            var options = SyntheticRegressionOptions.Pairs(1, rho) with { Dim = 32 };
            SyntheticRegressionData data = SyntheticRegression.Generate(options, 8000, new Rng(11));
            double r = Correlation(LinearPart(data, 0), LinearPart(data, 1));
            Assert.True(Math.Abs(r - rho) < tol, $"rho={rho}: correlation of linear parts {r}");
        }
    }

    [Fact]
    public void NoiseHasTheRequestedStd()
    {
        var options = SyntheticRegressionOptions.Pairs(1, 1.0) with { Dim = 16, NoiseStd = 0.5 };
        SyntheticRegressionData data = SyntheticRegression.Generate(options, 20000, new Rng(2));
        double ss = 0;
        for (int n = 0; n < data.Count; n++)
        {
            double d = data.Targets[0][n] - data.Targets[1][n];
            ss += d * d;
        }

        double std = Math.Sqrt(ss / data.Count / 2); // difference of two independent noises: variance 2σ²
        Assert.True(Math.Abs(std - 0.5) < 0.01, $"noise std {std}");
    }

    [Fact]
    public void SameSeedSameData_DifferentSeedDifferentData()
    {
        var options = new SyntheticRegressionOptions { Dim = 16 };
        SyntheticRegressionData a = SyntheticRegression.Generate(options, 100, new Rng(42));
        SyntheticRegressionData b = SyntheticRegression.Generate(options, 100, new Rng(42));
        SyntheticRegressionData c = SyntheticRegression.Generate(options, 100, new Rng(43));
        Assert.Equal(a.Inputs[0], b.Inputs[0]);
        for (int t = 0; t < a.NumTasks; t++)
        {
            Assert.Equal(a.Targets[t], b.Targets[t]);
            Assert.Equal(a.Weights[t], b.Weights[t]);
        }

        Assert.NotEqual(a.Inputs[0], c.Inputs[0]);
        Assert.NotEqual(a.Targets[0], c.Targets[0]);
    }

    [Fact]
    public void IndependentInputsPerTask()
    {
        var options = new SyntheticRegressionOptions { Dim = 16, SharedInputs = false, NoiseStd = 0 };
        SyntheticRegressionData data = SyntheticRegression.Generate(options, 64, new Rng(9));
        Assert.False(data.SharedInputs);
        Assert.NotSame(data.Inputs[0], data.Inputs[1]);
        Assert.NotEqual(data.Inputs[0], data.Inputs[1]);
        Assert.NotEqual(data.Targets[0], data.Targets[1]); // same w (rho = 1), different x
    }

    [Fact]
    public void SliceKeepsRowsAndSharing()
    {
        SyntheticRegressionData data = SyntheticRegression.Generate(new SyntheticRegressionOptions { Dim = 4 }, 10, new Rng(1));
        SyntheticRegressionData test = data.Slice(7, 3);
        Assert.Equal(3, test.Count);
        Assert.Equal(data.Inputs[0].AsSpan(28, 12).ToArray(), test.Inputs[0]);
        Assert.Same(test.Inputs[0], test.Inputs[2]);
        Assert.Equal(data.Targets[2].AsSpan(7, 3).ToArray(), test.Targets[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Slice(8, 3));
    }

    [Fact]
    public void InvalidOptionsThrowWithClearMessages()
    {
        var rng = new Rng(0);
        var e1 = Assert.Throws<ArgumentException>(() => SyntheticRegression.Generate(new SyntheticRegressionOptions { Dim = 3 }, 5, rng));
        Assert.Contains("4 tasks", e1.Message);
        Assert.Contains("Dim is only 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => SyntheticRegression.Generate(new SyntheticRegressionOptions { Rho = 1.5 }, 5, rng));
        Assert.Contains("Rho", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => SyntheticRegression.Generate(new SyntheticRegressionOptions { Alphas = [1, 2], Betas = [0] }, 5, rng));
        Assert.Contains("1 betas for 2 alphas", e3.Message);
    }
}
