using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.Data.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Training;

public sealed class SchedulerTests
{
    [Fact]
    public void EveryRoundVisitsEachTaskOnceInVaryingOrder()
    {
        var s = new RoundScheduler(4, new Rng(1));
        var orders = new HashSet<string>();
        for (int r = 0; r < 20; r++)
        {
            int[] round = [s.Next(), s.Next(), s.Next(), s.Next()];
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
}
