using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Strategies.Sampling;

public sealed class SchedulerTests
{
    [Fact]
    public void EveryRoundVisitsEachTaskOnceInVaryingOrder()
    {
        var s = new RoundSampler(4, new Rng(1));
        var orders = new HashSet<string>();
        for (int r = 0; r < 20; r++)
        {
            int[] round = [s.Next()[0], s.Next()[0], s.Next()[0], s.Next()[0]];
            Assert.Equal([0, 1, 2, 3], round.Order().ToArray());
            orders.Add(string.Join(",", round));
        }

        Assert.Equal(20, s.Rounds);
        Assert.True(orders.Count > 5);
    }

    [Fact]
    public void EpochSamplerCoversDataAndKeepsTheShortLastBatch()
    {
        var s = new EpochSampler(10, 4, new Rng(3));
        var seen = new List<int>();
        int[] sizes = [s.Next().Length, 0, 0];
        seen.AddRange(new EpochSampler(10, 4, new Rng(3)).Next().ToArray());
        var s2 = new EpochSampler(10, 4, new Rng(3));
        var all = new List<int>();
        var lens = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            var b = s2.Next();
            lens.Add(b.Length);
            all.AddRange(b.ToArray());
        }

        Assert.Equal([4, 4, 2], lens);
        Assert.Equal(Enumerable.Range(0, 10), all.Order());
        Assert.Equal(0, s2.Epoch);
        s2.Next();
        Assert.Equal(1, s2.Epoch);
        Assert.Equal(4, sizes[0]);
        Assert.Equal(seen.Take(4), all.Take(4)); // same seed, same order
    }

    [Fact]
    public void ProbabilitySamplerDrawsTasksAtTheirRates()
    {
        int[] sizes = [100, 400, 1600];
        var proportional = new ProbabilitySampler(sizes, TaskProbability.Proportional, new Rng(5));
        Assert.Equal([100 / 2100.0, 400 / 2100.0, 1600 / 2100.0], proportional.Probabilities.Select(p => Math.Round(p, 12)).ToArray(), new ToleranceComparer(1e-12));
        var temperature = new ProbabilitySampler(sizes, TaskProbability.Temperature, new Rng(5), temperature: 2.0);
        Assert.Equal([10 / 70.0, 20 / 70.0, 40 / 70.0], temperature.Probabilities, new ToleranceComparer(1e-12));   // √n: 10, 20, 40
        var uniform = new ProbabilitySampler(sizes, TaskProbability.Uniform, new Rng(5));
        Assert.All(uniform.Probabilities, p => Assert.Equal(1 / 3.0, p, 12));

        int[] counts = new int[3];
        for (int i = 0; i < 21_000; i++)
        {
            var next = temperature.Next();
            Assert.Equal(1, next.Length);
            counts[next[0]]++;
        }

        Assert.InRange(counts[0], 2700, 3300);    // expected 3000
        Assert.InRange(counts[1], 5600, 6400);    // expected 6000
        Assert.InRange(counts[2], 11_400, 12_600); // expected 12000
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProbabilitySampler(sizes, TaskProbability.Temperature, new Rng(1), temperature: 0));
        Assert.Throws<ArgumentException>(() => new ProbabilitySampler([5, 0], TaskProbability.Uniform, new Rng(1)));
    }

    [Fact]
    public void AllTasksSamplerReturnsEveryTask()
    {
        var s = new AllTasksSampler(3);
        Assert.Equal([0, 1, 2], s.Next().ToArray());
        Assert.False(s.OneTaskPerStep);
        Assert.True(new AllTasksSampler(1).OneTaskPerStep);
    }

    [Fact]
    public void SamplersAndDataOrdersContinueExactlyFromTheirSavedState()
    {
        var a = new RoundSampler(5, new Rng(9));
        var b = new RoundSampler(5, new Rng(1234));
        for (int i = 0; i < 7; i++)
        {
            a.Next();
        }

        var bag = new MtlSharp.MultiTask.Training.State.StateBag();
        a.SaveState(bag);
        b.LoadState(bag);
        for (int i = 0; i < 23; i++)
        {
            Assert.Equal(a.Next()[0], b.Next()[0]);
        }

        var e1 = new EpochSampler(13, 4, new Rng(2));
        var e2 = new EpochSampler(13, 4, new Rng(77));
        for (int i = 0; i < 5; i++)
        {
            e1.Next();
        }

        var bag2 = new MtlSharp.MultiTask.Training.State.StateBag();
        e1.SaveState(bag2);
        e2.LoadState(bag2);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(e1.Next().ToArray(), e2.Next().ToArray());
        }

        Assert.Equal(e1.Epoch, e2.Epoch);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
