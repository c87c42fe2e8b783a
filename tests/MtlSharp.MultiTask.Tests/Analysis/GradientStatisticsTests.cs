using MtlSharp.MultiTask.Analysis;

namespace MtlSharp.MultiTask.Tests.Analysis;

public sealed class GradientStatisticsTests
{
    [Fact]
    public void PairwiseStatisticsMatchAHandComputedCase()
    {
        // g0 = (1, 0), g1 = (0, 2), g2 = (-3, 0): cosines 0, -1, 0; one pair of three conflicts.
        float[][] rows = [[1, 0, 9], [0, 2, 9], [-3, 0, 9]];
        var (cos, conflict, magnitude, m) = GradientStatistics.Pairwise(rows, 0, 2);
        Assert.Equal(-1.0 / 3, cos, 12);
        Assert.Equal(1.0 / 3, conflict, 12);
        // Φ: (1, 2) → 4/5, (1, 3) → 6/10, (2, 3) → 12/13.
        Assert.Equal(((4.0 / 5) + (6.0 / 10) + (12.0 / 13)) / 3, magnitude, 12);
        Assert.Equal(-1, m[0][2], 12);
        Assert.Equal(1, m[1][1]);

        // The third value alone: identical gradients, no conflict, equal magnitudes.
        var last = GradientStatistics.Pairwise(rows, 2, 1);
        Assert.Equal((1.0, 0.0, 1.0), (last.MeanCosine, last.ConflictFraction, last.MeanMagnitudeSimilarity));
    }

    [Fact]
    public void AGramSummedOverSlicesIsTheGramOfTheWholeRow()
    {
        float[][] rows = [[1, -2, 0.5f, 3], [2, 1, -1, 0.25f]];
        var gram = new[] { new double[2], new double[2] };
        GradientStatistics.AddGram(rows, 0, 1, gram);
        GradientStatistics.AddGram(rows, 1, 3, gram);
        Assert.Equal(GradientStatistics.Pairwise(rows, 0, 4).MeanCosine, GradientStatistics.Summarise(gram).MeanCosine, 12);
        Assert.True(double.IsNaN(GradientStatistics.Pairwise([rows[0]], 0, 4).MeanCosine));
    }

    [Fact]
    public void LookaheadAffinityMatchesTheClosedFormOfQuadraticTasks()
    {
        // Task k's loss L_k(θ) = ½‖θ − a_k‖² with θ = (0, 0): g_k = −a_k, and after a step on g_i,
        // θ' = η a_i, so Z_{i→j} = 1 − ‖η a_i − a_j‖² / ‖a_j‖².
        double[][] a = [[1, 0], [0.8, 0.6], [-1, 0]];
        const float eta = 0.5f;
        float[][] gradients = a.Select(v => v.Select(x => (float)-x).ToArray()).ToArray();
        float[] Loss(float[]? delta)
        {
            float[] theta = delta ?? [0, 0];
            return a.Select(v => (float)(0.5 * (Math.Pow(theta[0] - v[0], 2) + Math.Pow(theta[1] - v[1], 2)))).ToArray();
        }

        var z = LookaheadAffinity.Compute(gradients, eta, Loss);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double dx = (eta * a[i][0]) - a[j][0], dy = (eta * a[i][1]) - a[j][1];
                double expected = 1 - (((dx * dx) + (dy * dy)) / ((a[j][0] * a[j][0]) + (a[j][1] * a[j][1])));
                Assert.Equal(expected, z[i][j], 5);
            }
        }

        Assert.Equal(0.75, z[0][0], 6);    // 1 − (1 − η)²
        Assert.Equal(-1.25, z[0][2], 6);   // opposite tasks: 1 − (1 + η)²
        Assert.Equal(0.55, z[0][1], 6);    // 1 − (0.3² + 0.6²)
    }
}
