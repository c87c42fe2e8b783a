using MtlSharp.MultiTask.Strategies;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Strategies.Aggregation;

/// <summary>GREAT: a task classifier over gradients against per-task alignment vectors.</summary>
public sealed class GreatAggregatorTests
{
    /// <summary>
    /// Two tasks, <paramref name="examples"/> example gradients of width 4 per row: task 0's carry signal on feature
    /// 0, task 1's on feature 1, both noise on features 2 and 3.
    /// </summary>
    private static GradientMatrix Distinguishable(Rng rng, int examples = 8)
    {
        const int Width = 4;
        var m = new GradientMatrix(2, examples * Width) { SampleWidth = Width };
        for (int t = 0; t < 2; t++)
        {
            var row = m.Row(t);
            for (int e = 0; e < examples; e++)
            {
                for (int k = 0; k < Width; k++)
                {
                    row[(e * Width) + k] = (float)(0.3 * rng.NextGaussian());
                }

                row[(e * Width) + t] += 1f;
            }
        }

        return m;
    }

    [Fact]
    public void TheFirstDirectionIsTheSumOfTheGradients()
    {
        var m = Distinguishable(new Rng(1));
        var d = new float[m.Columns];
        var w = new GreatAggregator().Aggregate(m, [0, 1], [1f, 1f], d);
        for (int k = 0; k < d.Length; k++)
        {
            Assert.Equal(m.Row(0)[k] + m.Row(1)[k], d[k]);
        }

        Assert.All(w, x => Assert.True(double.IsNaN(x)));   // no per-row weights: the scaling is per feature
    }

    [Fact]
    public void TheGamesGradientsMatchFiniteDifferences()
    {
        var m = Distinguishable(new Rng(2), examples: 3);
        const int T = 2, W = 4;
        var rng = new Rng(3);
        double[] Fill(int n, double centre) => Enumerable.Range(0, n).Select(_ => centre + (0.5 * rng.NextGaussian())).ToArray();
        var w = Fill(T * W, 0);
        var b = Fill(T, 0);
        var a = Fill(T * W, 1);
        var gw = new double[w.Length];
        var gb = new double[b.Length];
        var ga = new double[a.Length];
        GreatAggregator.Game(m, [0, 1], T, w, b, a, gw, gb, ga);
        double Loss() => GreatAggregator.Game(m, [0, 1], T, w, b, a, new double[w.Length], new double[b.Length], new double[a.Length]).Loss;
        void Check(double[] theta, double[] analytic, string name)
        {
            for (int k = 0; k < theta.Length; k++)
            {
                double keep = theta[k];
                const double H = 1e-6;
                theta[k] = keep + H;
                double up = Loss();
                theta[k] = keep - H;
                double down = Loss();
                theta[k] = keep;
                double numeric = (up - down) / (2 * H);
                Assert.True(Math.Abs(numeric - analytic[k]) <= 1e-6 + (1e-5 * Math.Abs(numeric)), $"{name}[{k}]: numeric {numeric}, analytic {analytic[k]}");
            }
        }

        Check(w, gw, "W");
        Check(b, gb, "b");
        Check(a, ga, "a");
        Assert.Contains(ga, x => Math.Abs(x) > 1e-3);
    }

    [Fact]
    public void TheClassifierLearnsToTellTheTasksApartAndTheAlignmentFightsBack()
    {
        var great = new GreatAggregator(learningRate: 0.05);
        var rng = new Rng(4);
        var d = new float[32];
        var accuracy = new List<double>();
        for (int step = 0; step < 400; step++)
        {
            great.Aggregate(Distinguishable(rng), [0, 1], [1f, 1f], d);
            accuracy.Add(great.LastAccuracy);
            foreach (int t in new[] { 0, 1 })
            {
                var a = great.Alignment(t);
                Assert.All(a, x => Assert.True(x >= 0));
                Assert.Equal(1.0, a.Average(), 1e-9);
            }
        }

        // The classifier tells the tasks apart early (their gradients differ in features 0 and 1)...
        Assert.True(accuracy.Take(50).Max() > 0.9, $"best early accuracy {accuracy.Take(50).Max()}");
        // ...and the alignment vectors then take the signature away: each task's own signal feature is scaled down
        // (from 1; the mean stays 1), and the classifier is back near chance.
        var a0 = great.Alignment(0);
        var a1 = great.Alignment(1);
        Assert.True(a0[0] < 0.5 && a1[1] < 0.5, $"a0 = {string.Join(", ", a0)}; a1 = {string.Join(", ", a1)}");
        Assert.True(accuracy.TakeLast(50).Average() < 0.75, $"late accuracy {accuracy.TakeLast(50).Average()}");
    }

    [Fact]
    public void ItsStateIsSavedExactly()
    {
        var first = new GreatAggregator(0.01);
        var rng = new Rng(5);
        var d = new float[32];
        for (int s = 0; s < 5; s++)
        {
            first.Aggregate(Distinguishable(rng), [0, 1], [1f, 1f], d);
        }

        var bag = new StateBag();
        first.SaveState(bag);
        var resumed = new GreatAggregator(0.01);
        resumed.LoadState(bag);
        for (int s = 0; s < 5; s++)
        {
            var m = Distinguishable(rng);
            var d1 = new float[32];
            var d2 = new float[32];
            first.Aggregate(m, [0, 1], [1f, 1f], d1);
            resumed.Aggregate(m, [0, 1], [1f, 1f], d2);
            Assert.Equal(d1, d2);
            Assert.Equal(first.Alignment(1), resumed.Alignment(1));
            Assert.Equal(first.LastLoss, resumed.LastLoss);
        }
    }

    [Fact]
    public void DegenerateInputsGiveDefinedResultsOrANamedError()
    {
        var great = new GreatAggregator();
        var one = new GradientMatrix(1, 3);
        one.Row(0)[0] = 2f;
        var d = new float[3];
        great.Aggregate(one, [0], [1f], d);
        Assert.Equal([2f, 0f, 0f], d);

        var zeros = new GradientMatrix(2, 4);
        d = new float[4];
        great.Aggregate(zeros, [0, 1], [1f, 1f], d);
        Assert.Equal(new float[4], d);

        var bad = new GradientMatrix(2, 2);
        bad.Row(1)[0] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => great.Aggregate(bad, [0, 1], [1f, 1f], new float[2]));
        Assert.Contains(nameof(GreatAggregator), ex.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => new GreatAggregator(0));
        var fromOptions = Aggregators.Create(AggregatorKind.Great, new Rng(0), StrategyOptions.Parse("lr=0.02", "great"));
        Assert.Equal(0.02, ((GreatAggregator)fromOptions!).LearningRate);
    }
}
