using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.Tensors;
using static MtlSharp.MultiTask.Tests.Strategies.Aggregation.AggregatorTestData;

namespace MtlSharp.MultiTask.Tests.Strategies.Aggregation;

/// <summary>Properties of Nash-MTL, FairGrad, GradVac, GradNorm and FAMO, and the strategies' options.</summary>
public sealed class BargainingAndVaccineTests
{
    private static GradientMatrix Random(int seed, int t, int p)
    {
        var rng = new Rng((ulong)seed);
        var m = new GradientMatrix(t, p);
        for (int i = 0; i < t; i++)
        {
            for (int k = 0; k < p; k++)
            {
                m.Row(i)[k] = (float)((rng.NextDouble() * 2) - 1);
            }
        }

        return m;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 5)]
    public void NashMtlWeightsSatisfyTheBargainingCondition(int seed, int t)
    {
        var m = Random(seed, t, 12);
        var w = new NashMtlAggregator().Aggregate(m, Enumerable.Range(0, t).ToArray(), new float[t], new float[12]);
        var k = m.Gram();
        for (int i = 0; i < t; i++)
        {
            double kw = 0;
            for (int j = 0; j < t; j++)
            {
                kw += k[i, j] * w[j];
            }

            Assert.True(w[i] > 0);
            Assert.Equal(1 / w[i], kw, 1e-6 * Math.Max(1, kw));   // g_iᵀ d = 1/α_i (up to the solver's 1e-8 ridge)
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(2.0)]
    [InlineData(8.0)]
    public void FairGradWeightsSatisfyAlphaFairness(double alpha)
    {
        var m = Random(7, 4, 10);
        var w = new FairGradAggregator(alpha).Aggregate(m, [0, 1, 2, 3], new float[4], new float[10]);
        var k = m.Gram();
        for (int i = 0; i < 4; i++)
        {
            double kw = Enumerable.Range(0, 4).Sum(j => k[i, j] * w[j]);
            Assert.Equal(Math.Pow(w[i], -1 / alpha), kw, 1e-6 * Math.Max(1, kw));
        }
    }

    [Fact]
    public void FairGradWithAlphaOneIsNashMtl()
    {
        var m = Random(11, 3, 8);
        var a = new float[8];
        var b = new float[8];
        new FairGradAggregator(1.0).Aggregate(m, [0, 1, 2], new float[3], a);
        new NashMtlAggregator().Aggregate(m, [0, 1, 2], new float[3], b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void BargainingOfOppositeOrZeroGradientsIsDefined()
    {
        var opposite = Matrix([[1f, 2f, -1f], [-1f, -2f, 1f]]);
        var d = new float[3];
        new NashMtlAggregator().Aggregate(opposite, [0, 1], new float[2], d);
        Assert.All(d, x => Assert.True(Math.Abs(x) < 1e-3, $"{x}"));
        var zero = Matrix([[0f, 0f], [0f, 0f]]);
        var z = new float[2] { 5f, 5f };
        var w = new NashMtlAggregator().Aggregate(zero, [0, 1], new float[2], z);
        Assert.Equal([0f, 0f], z);
        Assert.Equal([0.0, 0.0], w);
        var single = Matrix([[3f, 4f]]);
        new NashMtlAggregator().Aggregate(single, [0], new float[1], z);
        Assert.Equal(0.6f, z[0], 5);   // the unit gradient
        Assert.Equal(0.8f, z[1], 5);
    }

    [Fact]
    public void GradVacRaisesAPairsCosineExactlyToItsTarget()
    {
        var m = Matrix([[1f, 0f, 0.5f], [-0.6f, 1f, 0.2f]]);
        var gram = m.Gram();
        var targets = new double[2, 2];
        targets[0, 1] = 0.4;
        var c = GradVacAggregator.Adjust(gram, [0, 1], [[1], [0]], targets, beta: 0.5);
        double[] g0 = [c[0, 0] * 1 + (c[0, 1] * -0.6), (c[0, 0] * 0) + (c[0, 1] * 1), (c[0, 0] * 0.5) + (c[0, 1] * 0.2)];
        double[] g1 = [-0.6, 1, 0.2];
        double cos = g0.Zip(g1, (a, b) => a * b).Sum() / Math.Sqrt(g0.Sum(x => x * x) * g1.Sum(x => x * x));
        Assert.Equal(0.4, cos, 7);   // the rows are float32
        double phi = gram[0, 1] / Math.Sqrt(gram[0, 0] * gram[1, 1]);   // of the float32 rows
        Assert.Equal((0.5 * 0.4) + (0.5 * phi), targets[0, 1], 12);   // EMA of the cosine before the adjustment
        Assert.Equal(0.5 * phi, targets[1, 0], 12);                  // the other direction: target 0 > φ
        // …so g_1 is raised to cosine 0 with g_0 (PCGrad's projection, the target being 0).
        double dot10 = (c[1, 0] * gram[0, 0]) + (c[1, 1] * gram[1, 0]);
        Assert.True(c[1, 0] > 0);
        Assert.Equal(0.0, dot10, 6);
    }

    [Fact]
    public void GradNormKeepsTheWeightsSummingToTheTaskCount()
    {
        var g = new GradNormAggregator(alpha: 1.5, lr: 0.05);
        var rng = new Rng(2);
        for (int step = 0; step < 20; step++)
        {
            var m = Random(step, 3, 6);
            g.Aggregate(m, [0, 1, 2], [(float)(1 + rng.NextDouble()), 0.5f, 2f], new float[6]);
            Assert.Equal(3.0, g.Weight(0) + g.Weight(1) + g.Weight(2), 10);
            Assert.All(new[] { g.Weight(0), g.Weight(1), g.Weight(2) }, w => Assert.True(w > 0));
        }
    }

    [Fact]
    public void FamoMovesWeightTowardsTheTaskWhoseLossDecreasesLess()
    {
        var f = new FamoWeighting(2, lr: 0.1, weightDecay: 0);
        Assert.Equal([0.5, 0.5], f.Weights());
        f.OnStep([0, 1], [1f, 1f], 0);
        f.OnStep([0, 1], [0.5f, 0.99f], 1);   // task 0 improved a lot, task 1 barely
        var w = f.Weights();
        Assert.True(w[1] > w[0], $"{w[0]} vs {w[1]}");
        Assert.Equal(1.0, w.Sum(), 12);
        var combined = f.Combine([0, 1], [Tensor.Scalar(2f), Tensor.Scalar(4f)], [1f, 1f]).Item();
        double c = (w[0] / 2) + (w[1] / 4);
        Assert.Equal(((w[0] * Math.Log(2)) + (w[1] * Math.Log(4))) / c, combined, 4);
    }

    [Fact]
    public void OptionsAreReadByTheirStrategyAndUnknownOnesAreRejected()
    {
        var cagrad = (CaGradAggregator)Aggregators.Create(AggregatorKind.CaGrad, new Rng(0), StrategyOptions.Parse("c=0.25,rescale=0", "cagrad"))!;
        Assert.Equal(0.25, cagrad.C);
        Assert.False(cagrad.Rescale);
        var e = Assert.Throws<ArgumentException>(() => Aggregators.Create(AggregatorKind.CaGrad, new Rng(0), StrategyOptions.Parse("radius=1", "cagrad")));
        Assert.Contains("cagrad has no option radius; it takes c, rescale", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Aggregators.Create(AggregatorKind.PcGrad, new Rng(0), StrategyOptions.Parse("x=1", "pcgrad")));
        Assert.Contains("pcgrad takes no options", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => StrategyOptions.Parse("c", "cagrad"));
        Assert.Throws<ArgumentException>(() => StrategyOptions.Parse("c=1,c=2", "cagrad"));
        var dwa = (DwaWeighting)LossWeightings.Create(LossWeightingKind.Dwa, 2, new Rng(0), options: StrategyOptions.Parse("temperature=5", "dwa"));
        Assert.Equal(5.0, dwa.Temperature);
    }

    [Fact]
    public void TheCatalogListsEveryStrategyWithTheFactoriesDefaults()
    {
        var names = MtlSharp.MultiTask.Configuration.ConfigNames.Aggregators.Keys.Where(k => k != "none")
            .Concat(MtlSharp.MultiTask.Configuration.ConfigNames.Weightings.Keys).Order(StringComparer.Ordinal);
        Assert.Equal(names, StrategyCatalog.All.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var s in StrategyCatalog.All)
        {
            // Every listed option is accepted by the factory; nothing else is.
            var given = s.Options.ToDictionary(o => o.Key, o => o.Default);
            if (s.Family == "aggregator")
            {
                Aggregators.Create(MtlSharp.MultiTask.Configuration.ConfigNames.Aggregators[s.Name], new Rng(0), new StrategyOptions(given));
            }
            else
            {
                LossWeightings.Create(MtlSharp.MultiTask.Configuration.ConfigNames.Weightings[s.Name], 2, new Rng(0), options: new StrategyOptions(given));
            }
        }
    }
}
