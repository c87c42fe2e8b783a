using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;
using static MtlSharp.MultiTask.Tests.Strategies.Aggregation.AggregatorTestData;

namespace MtlSharp.MultiTask.Tests.Strategies.Aggregation;

public sealed class PcGradAggregatorTests
{
    [Fact]
    public void AConflictingPairIsProjectedOntoEachOthersNormalPlanes()
    {
        var m = Matrix([[1f, 2f, -1f, 0.5f, 0f], [-1.5f, -0.5f, 1f, 0.2f, 1f]]);
        var c = PcGradAggregator.Projections(m.Gram(), [[1], [0]]);
        var g = m.Gram();
        // g1^PC · g2 = 0 and g2^PC · g1 = 0: nothing of either conflicts with the other task any more.
        Assert.Equal(0, (c[0, 0] * g[0, 1]) + (c[0, 1] * g[1, 1]), 12);
        Assert.Equal(0, (c[1, 0] * g[0, 0]) + (c[1, 1] * g[1, 0]), 12);
        // And the projected pair agrees: g1^PC · g2^PC = −c(1 − c²/(ab)) ≥ 0 (c = g1·g2 < 0, a = |g1|², b = |g2|²).
        double a = g[0, 0], b = g[1, 1], cc = g[0, 1];
        Assert.Equal(-cc * (1 - (cc * cc / (a * b))), Pair(c, g, 0, 1), 9);
        Assert.True(Pair(c, g, 0, 1) >= 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NoPairOfProjectedGradientsConflictsForTwoTasks(int seed)
    {
        // For T ≥ 3 this does not hold in general (each row is projected against the original gradients, and a later
        // projection can undo an earlier one: about 10% of random 3 × 6 draws end with a conflicting projected pair).
        var rng = new Rng((ulong)seed);
        for (int draw = 0; draw < 50; draw++)
        {
            var g = Random(rng, 2, 6).Gram();
            var c = PcGradAggregator.Projections(g, [[1], [0]]);
            Assert.True(Pair(c, g, 0, 1) >= -1e-9 * Math.Max(g[0, 0], g[1, 1]), $"seed {seed}, draw {draw}");
        }
    }

    private static double Pair(double[,] c, double[,] g, int p, int q)
    {
        int t = g.GetLength(0);
        double s = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < t; j++)
            {
                s += c[p, i] * c[q, j] * g[i, j];
            }
        }

        return s;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryProjectedGradientAgreesWithTheLastTaskItWasProjectedAgainst(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 2; t <= 5; t++)
        {
            var m = Random(rng, t, 8);
            var g = m.Gram();
            var orders = Enumerable.Range(0, t).Select(i => rng.Permutation(t).Where(j => j != i).ToArray()).ToArray();
            var c = PcGradAggregator.Projections(g, orders);
            for (int i = 0; i < t; i++)
            {
                int last = orders[i][^1];
                double dot = 0;
                for (int k = 0; k < t; k++)
                {
                    dot += c[i, k] * g[k, last];
                }

                Assert.True(dot >= -1e-9, $"seed {seed}, T {t}: row {i} · g_{last} = {dot}");
            }
        }
    }

    [Fact]
    public void WithoutConflictsItIsTheSum()
    {
        var m = Matrix([[1f, 2f, 0f], [0.5f, 1f, 1f], [2f, 0f, 0.1f]]);
        var d = Run(new PcGradAggregator(new Rng(3)), m, out var w);
        Assert.Equal([1.0, 1.0, 1.0], w);
        Close([3.5, 3.0, 1.1], d, 1e-6, "sum");
    }

    [Fact]
    public void TheOrderComesFromTheRngAndItsStateIsSaved()
    {
        var m = Random(new Rng(9), 4, 6);
        var first = new PcGradAggregator(new Rng(5));
        var second = new PcGradAggregator(new Rng(5));
        for (int step = 0; step < 5; step++)
        {
            Assert.Equal(Run(first, m, out _), Run(second, m, out _));
        }

        var bag = new StateBag();
        first.SaveState(bag);
        var expected = Enumerable.Range(0, 5).Select(k => Run(first, m, out _)).ToArray();
        var resumed = new PcGradAggregator(new Rng(77));
        resumed.LoadState(bag);
        Assert.All(Enumerable.Range(0, 5), k => Assert.Equal(expected[k], Run(resumed, m, out _)));
    }
}

public sealed class MgdaAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ItIsTheMinNormPointOfTheHull(int seed)
    {
        var m = Random(new Rng((ulong)seed), 3, 5);
        var d = Run(new MgdaAggregator(), m, out var w);
        Assert.All(w, x => Assert.True(x >= 0));
        Assert.Equal(1, w.Sum(), 12);
        double norm = Dot(d, d);
        var g = m.Gram();
        const int N = 600;
        double best = double.PositiveInfinity;
        for (int i = 0; i <= N; i++)
        {
            for (int j = 0; i + j <= N; j++)
            {
                double[] v = [i / (double)N, j / (double)N, (N - i - j) / (double)N];
                double q = 0;
                for (int a = 0; a < 3; a++)
                {
                    for (int b = 0; b < 3; b++)
                    {
                        q += v[a] * g[a, b] * v[b];
                    }
                }

                best = Math.Min(best, q);
            }
        }

        Assert.True(norm <= best + 1e-5, $"seed {seed}: |d|² {norm} > grid minimum {best}");
        Assert.True(norm >= best - (1e-2 * Math.Max(best, 1e-3)), $"seed {seed}: |d|² {norm} far below grid minimum {best}");
    }
}

public sealed class UpGradAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void TheResultDoesNotConflictWithAnyTask(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 2; t <= 7; t++)
        {
            var m = Random(rng, t, 3 + (t % 5));
            var d = Run(new UpGradAggregator(), m, out var w);
            double scale = Enumerable.Range(0, t).Max(i => Dot(m.Row(i), m.Row(i)));
            for (int i = 0; i < t; i++)
            {
                Assert.True(Dot(d, m.Row(i)) >= -1e-6 * scale, $"seed {seed}, T {t}: d · g_{i} = {Dot(d, m.Row(i))}");
            }

            Assert.All(w, x => Assert.True(x >= 1.0 / t - 1e-12));
        }
    }
}

public sealed class CaGradAggregatorTests
{
    [Fact]
    public void CZeroIsExactlyTheMean()
    {
        var m = Random(new Rng(4), 3, 7);
        var mean = Run(new MeanAggregator(), m, out var wm);
        var ca = Run(new CaGradAggregator(0), m, out var wc);
        Assert.Equal(mean, ca);
        Assert.Equal(wm, wc);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheDirectionStaysInTheBallAndImprovesTheWorstTaskOverTheMean(int seed)
    {
        var m = Random(new Rng((ulong)seed), 4, 6);
        const double c = 0.5;
        var d = Run(new CaGradAggregator(c, rescale: false), m, out _);
        var mean = Run(new MeanAggregator(), m, out _);
        double radius = c * Math.Sqrt(Dot(mean, mean));
        var diff = d.Zip(mean, (x, y) => x - y).ToArray();
        Assert.True(Math.Sqrt(Dot(diff, diff)) <= radius * (1 + 1e-5));
        double worst = Enumerable.Range(0, 4).Min(i => Dot(m.Row(i), d));
        double worstMean = Enumerable.Range(0, 4).Min(i => Dot(m.Row(i), mean));
        Assert.True(worst >= worstMean - 1e-6);
    }
}

public sealed class ImtlGAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheResultHasEqualProjectionsOnEveryUnitTaskGradient(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 2; t <= 5; t++)
        {
            var m = Random(rng, t, 8);
            var d = Run(new ImtlGAggregator(), m, out var w);
            Assert.Equal(1, w.Sum(), 9);
            var p = Enumerable.Range(0, t).Select(i => Dot(d, m.Row(i)) / Math.Sqrt(Dot(m.Row(i), m.Row(i)))).ToArray();
            double scale = Math.Max(1, p.Max(Math.Abs));
            Assert.True(p.Max() - p.Min() <= 1e-5 * scale, $"seed {seed}, T {t}: projections {string.Join(", ", p)}");
        }
    }
}

public sealed class AlignedMtlAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheAlignedGradientsAreOrthogonalWithNormSigmaMinAndSumToTheResult(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 2; t <= 5; t++)
        {
            var m = Random(rng, t, 8);
            var g = m.Gram();
            var b = AlignedMtlAggregator.Alignment(g);
            SymmetricEigenTests.Decompose(g, out var lambda);
            double sigma2 = lambda.Min();
            // Ĝ Ĝᵀ = B G B = σ_min² I.
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    double s = 0;
                    for (int k = 0; k < t; k++)
                    {
                        for (int l = 0; l < t; l++)
                        {
                            s += b[i, k] * g[k, l] * b[j, l];
                        }
                    }

                    Assert.Equal(i == j ? sigma2 : 0, s, 1e-9 * lambda.Max());
                }
            }

            var d = Run(new AlignedMtlAggregator(), m, out var w);
            var sum = new double[m.Columns];
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    for (int k = 0; k < m.Columns; k++)
                    {
                        sum[k] += b[i, j] * m.Row(j)[k];
                    }
                }
            }

            Close(sum, d, 1e-5, $"seed {seed}, T {t}");
        }
    }
}

/// <summary>The Jacobi solver behind Aligned-MTL and ConFIG.</summary>
public sealed class SymmetricEigenTests
{
    internal static double[,] Decompose(double[,] a, out double[] values) => SymmetricEigen.Decompose(a, out values);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ItReconstructsTheMatrixWithOrthonormalVectors(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 1; t <= 7; t++)
        {
            var g = Random(rng, t, 4).Gram();
            var v = Decompose(g, out var lambda);
            for (int k = 1; k < t; k++)
            {
                Assert.True(lambda[k] >= lambda[k - 1]);
            }

            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    double a = 0, o = 0;
                    for (int k = 0; k < t; k++)
                    {
                        a += v[i, k] * lambda[k] * v[j, k];
                        o += v[k, i] * v[k, j];
                    }

                    Assert.Equal(g[i, j], a, 1e-10 * Math.Max(1, lambda[^1]));
                    Assert.Equal(i == j ? 1 : 0, o, 1e-12);
                }
            }
        }
    }
}

public sealed class ConfigAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheResultHasEqualNonNegativeCosineWithEveryTaskAndTheProjectionLength(int seed)
    {
        var rng = new Rng((ulong)seed);
        for (int t = 2; t <= 6; t++)
        {
            var m = Random(rng, t, 8);
            var d = Run(new ConfigAggregator(), m, out _);
            double dn = Math.Sqrt(Dot(d, d));
            var cos = Enumerable.Range(0, t).Select(i => Dot(d, m.Row(i)) / (dn * Math.Sqrt(Dot(m.Row(i), m.Row(i))))).ToArray();
            Assert.True(cos.Max() - cos.Min() <= 1e-5, $"seed {seed}, T {t}: cosines {string.Join(", ", cos)}");
            Assert.All(cos, x => Assert.True(x > 0));
            // ‖d‖ = Σ_i g_i · d/‖d‖.
            double length = Enumerable.Range(0, t).Sum(i => Dot(m.Row(i), d)) / dn;
            Assert.Equal(length, dn, 1e-4 * Math.Max(1, dn));
        }
    }
}

public sealed class GradDropAggregatorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EachCoordinateIsTheSumOfItsPositiveOrOfItsNegativeEntries(int seed)
    {
        var m = Random(new Rng((ulong)seed), 4, 200);
        var d = Run(new GradDropAggregator(new Rng((ulong)seed + 10)), m, out var w);
        Assert.All(w, x => Assert.True(double.IsNaN(x)));
        int positive = 0, negative = 0;
        for (int k = 0; k < m.Columns; k++)
        {
            float pos = 0, neg = 0;
            for (int i = 0; i < m.Rows; i++)
            {
                float g = m.Row(i)[k];
                pos += g > 0 ? g : 0;
                neg += g < 0 ? g : 0;
            }

            if (d[k] == pos && pos != 0)
            {
                positive++;
            }
            else if (d[k] == neg && neg != 0)
            {
                negative++;
            }
            else
            {
                Assert.Fail($"seed {seed}, column {k}: {d[k]} is neither {pos} nor {neg}");
            }
        }

        Assert.True(positive > 0 && negative > 0, $"{positive} positive, {negative} negative");
    }

    [Fact]
    public void AColumnOfOneSignIsKeptWhole()
    {
        var m = Matrix([[1f, -2f, 0f, 3f], [0.5f, -1f, 0f, -3f], [2f, 0f, 0f, 1f]]);
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var d = Run(new GradDropAggregator(new Rng(seed)), m, out _);
            Assert.Equal(3.5f, d[0]);
            Assert.Equal(-3f, d[1]);
            Assert.Equal(0f, d[2]);
            Assert.True(d[3] == 4f || d[3] == -3f);
        }
    }

    [Fact]
    public void TheMasksComeFromTheRngAndItsStateIsSaved()
    {
        var m = Random(new Rng(9), 3, 50);
        var first = new GradDropAggregator(new Rng(5));
        var second = new GradDropAggregator(new Rng(5));
        for (int step = 0; step < 5; step++)
        {
            Assert.Equal(Run(first, m, out _), Run(second, m, out _));
        }

        var bag = new StateBag();
        first.SaveState(bag);
        var expected = Enumerable.Range(0, 5).Select(k => Run(first, m, out _)).ToArray();
        var resumed = new GradDropAggregator(new Rng(77));
        resumed.LoadState(bag);
        Assert.All(Enumerable.Range(0, 5), k => Assert.Equal(expected[k], Run(resumed, m, out _)));
        Assert.NotEqual(expected[0], expected[1]);
    }
}

/// <summary>Degenerate inputs: defined results or an ArgumentException naming the aggregator and the row, never NaN.</summary>
public sealed class AggregatorDegenerateInputTests
{
    public static TheoryData<AggregatorKind> Kinds => new()
    {
        AggregatorKind.PcGrad, AggregatorKind.Mgda, AggregatorKind.CaGrad, AggregatorKind.UpGrad, AggregatorKind.ImtlG,
        AggregatorKind.AlignedMtl, AggregatorKind.Config, AggregatorKind.GradDrop,
    };

    /// <summary>GradDrop masks coordinates, so it has no per-row weights (NaN, by the interface's contract).</summary>
    private static bool WeightsDefined(AggregatorKind kind, double x) => double.IsFinite(x) || (kind == AggregatorKind.GradDrop && double.IsNaN(x));

    private static IGradientAggregator Create(AggregatorKind kind) => Aggregators.Create(kind, new Rng(1))!;

    [Theory]
    [MemberData(nameof(Kinds))]
    public void OneTaskGivesItsGradient(AggregatorKind kind)
    {
        var m = Matrix([[1f, -2f, 3f]]);
        var d = Run(Create(kind), m, out var w);
        Assert.Equal([1f, -2f, 3f], d);
        Assert.Equal([1.0], w);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void IdenticalGradientsGiveThatGradient(AggregatorKind kind)
    {
        float[] g = [0.5f, -1f, 2f, 0.25f];
        var d = Run(Create(kind), Matrix([g, g, g]), out var w);
        // PCGrad, Aligned-MTL (rank 1: B = 11ᵀ/3, weights 1), ConFIG (û = ĝ, length Σ g·ĝ = 3‖g‖) and GradDrop
        // (every column of one sign) sum; CAGrad moves c‖g₀‖ along g_w = g and rescales: (1 + c)/(1 + c²) = 1.2 for c = 0.5.
        double times = kind switch
        {
            AggregatorKind.PcGrad or AggregatorKind.AlignedMtl or AggregatorKind.Config or AggregatorKind.GradDrop => 3,
            AggregatorKind.CaGrad => 1.2,
            _ => 1,
        };
        Close(g.Select(x => times * x).ToArray(), d, 1e-5, kind.ToString());
        Assert.All(w, x => Assert.True(WeightsDefined(kind, x)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AZeroRowGivesAFiniteResult(AggregatorKind kind)
    {
        var d = Run(Create(kind), Matrix([[1f, 2f, 0f], [0f, 0f, 0f], [-0.5f, 1f, 1f]]), out var w);
        Assert.All(d, x => Assert.True(float.IsFinite(x)));
        Assert.All(w, x => Assert.True(WeightsDefined(kind, x)));
        var zeros = Run(Create(kind), Matrix([[0f, 0f], [0f, 0f]]), out w);
        Assert.Equal([0f, 0f], zeros);
        Assert.All(w, x => Assert.True(WeightsDefined(kind, x)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ExactlyOppositeGradientsGiveAFiniteResult(AggregatorKind kind)
    {
        var d = Run(Create(kind), Matrix([[1f, -2f, 0.5f], [-1f, 2f, -0.5f]]), out var w);
        Assert.All(d, x => Assert.True(float.IsFinite(x)));
        Assert.All(w, x => Assert.True(WeightsDefined(kind, x)));
        if (kind == AggregatorKind.GradDrop)
        {
            // Purity ½ in every column: one of the two entries is kept.
            Assert.True(Math.Abs(d[0]) == 1f && Math.Abs(d[1]) == 2f && Math.Abs(d[2]) == 0.5f);
            return;
        }

        // PCGrad projects each onto the other's normal plane (0), MGDA's hull holds 0, CAGrad's mean is 0, UPGrad's dual
        // cone is the normal plane, IMTL-G's equal-projection point is 0, Aligned-MTL's B = vvᵀ (v = (1, −1)/√2) sends 1
        // to 0, ConFIG's 1 is orthogonal to the span of the unit rows.
        Assert.All(d, x => Assert.True(Math.Abs(x) < 1e-5));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NonFiniteEntriesAreRejectedNamingTheAggregatorAndTheRow(AggregatorKind kind)
    {
        var aggregator = Create(kind);
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity })
        {
            var m = Matrix([[1f, 2f], [3f, bad]]);
            var ex = Assert.Throws<ArgumentException>(() => aggregator.Aggregate(m, [4, 7], [1f, 1f], new float[2]));
            Assert.Contains(aggregator.GetType().Name, ex.Message);
            Assert.Contains("row 1 (task 7)", ex.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheLoopTrainsWithEachAggregator(AggregatorKind kind)
    {
        var settings = new ExperimentSettings
        {
            Seed = 3,
            Sampler = SamplerKind.All,
            Aggregator = kind,
            ScheduleScale = 0.01,
            SyntheticTrainSize = 2000,
            SyntheticTestSize = 500,
        };
        var report = ExperimentRunner.Run(GumbelExperiments.Build(PresetId.SyntheticTransfer, RoutingMethod.SharedBottom, settings), new RunOptions());
        Assert.True(report.Updates > 0);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        Assert.Equal(kind.ToString().ToLowerInvariant(), report.Environment["aggregator"]);
    }
}

public sealed class StatefulAggregatorResumeTests
{
    [Theory]
    [InlineData(AggregatorKind.PcGrad)]
    [InlineData(AggregatorKind.GradVac)]
    [InlineData(AggregatorKind.GradNorm)]
    [InlineData(AggregatorKind.GradDrop)]
    [InlineData(AggregatorKind.DbMtl)]
    [InlineData(AggregatorKind.Great)]
    public void AStatefulAggregatorsRunCancelledAndResumedEndsExactlyLikeTheUninterruptedRun(AggregatorKind kind)
    {
        // Four tasks, so the projection orders matter (with two, each row has one other to be projected against).
        RunTwice(kind);
    }

    private static void RunTwice(AggregatorKind kind)
    {
        using var a = new MtlSharp.MultiTask.Tests.Training.TempFolder();
        using var b = new MtlSharp.MultiTask.Tests.Training.TempFolder();
        RunPlan Plan() => GumbelExperiments.Build(PresetId.SyntheticGumbel, RoutingMethod.Gumbel, new ExperimentSettings
        {
            Seed = 6,
            Sampler = SamplerKind.All,
            Aggregator = kind,
            ScheduleScale = 0.05,
            SyntheticTrainSize = 2000,
            SyntheticTestSize = 500,
        });
        var whole = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = a.Path, CheckpointEverySteps = 7 });
        Assert.True(whole.Updates >= 20, $"{whole.Updates} updates");
        using (var cts = new CancellationTokenSource())
        {
            var cut = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 7, Progress = new CancelAfter(cts, whole.Updates / 2) }, cts.Token);
            Assert.Equal("yes", cut.Environment["cancelled"]);
        }

        var resumed = ExperimentRunner.Run(Plan(), new RunOptions { OutputDirectory = b.Path, CheckpointEverySteps = 7, Resume = true });
        Assert.Equal(whole.Updates, resumed.Updates);
        Assert.Equal(whole.Tasks.Select(t => t.Test), resumed.Tasks.Select(t => t.Test));
    }

    private sealed class CancelAfter(CancellationTokenSource cts, long updates) : IProgress<MtlSharp.MultiTask.Training.TrainingProgress>
    {
        public void Report(MtlSharp.MultiTask.Training.TrainingProgress value)
        {
            if (value.Update >= updates)
            {
                cts.Cancel();
            }
        }
    }
}
