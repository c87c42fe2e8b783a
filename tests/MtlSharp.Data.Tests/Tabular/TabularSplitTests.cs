using MtlSharp.Data.Tabular;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class TabularSplitTests
{
    [Fact]
    public void SplitsAreDisjointCoveringSortedAndSized()
    {
        (int[] train, int[] valid, int[] test) = TabularSplit.ByFraction(101, 0.1, 0.2, seed: 7);
        Assert.Equal(20, test.Length);  // round(20.2)
        Assert.Equal(10, valid.Length); // round(10.1)
        Assert.Equal(71, train.Length);
        Assert.Equal(Enumerable.Range(0, 101), train.Concat(valid).Concat(test).Order());
        foreach (int[] s in new[] { train, valid, test })
        {
            Assert.Equal(s.Order(), s);
        }

        (_, int[] v2, int[] t2) = TabularSplit.ByFraction(10, 0.25, 0.15, seed: 1);
        Assert.Equal(3, v2.Length); // 2.5 rounds up
        Assert.Equal(2, t2.Length); // 1.5 rounds up
    }

    [Fact]
    public void DeterministicForASeedAndDifferentForAnother()
    {
        (int[] Train, int[] Valid, int[] Test) a = TabularSplit.ByFraction(200, 0.2, 0.2, seed: 42);
        (int[] Train, int[] Valid, int[] Test) b = TabularSplit.ByFraction(200, 0.2, 0.2, seed: 42);
        (int[] Train, int[] Valid, int[] Test) c = TabularSplit.ByFraction(200, 0.2, 0.2, seed: 43);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Valid, b.Valid);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, c.Test);
        Assert.NotEqual(Enumerable.Range(0, 40), a.Test); // shuffled, not the first rows
    }

    [Fact]
    public void ZeroFractionsGiveEmptySplits()
    {
        (int[] train, int[] valid, int[] test) = TabularSplit.ByFraction(5, 0, 0, seed: 3);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, train);
        Assert.Empty(valid);
        Assert.Empty(test);
    }

    [Fact]
    public void ArgumentErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TabularSplit.ByFraction(10, -0.1, 0.1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TabularSplit.ByFraction(10, 0.1, 1.0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TabularSplit.ByFraction(10, double.NaN, 0.1, 1));
        Assert.Throws<ArgumentException>(() => TabularSplit.ByFraction(10, 0.5, 0.5, 1));
        Assert.Single(TabularSplit.ByFraction(3, 0.4, 0.4, 1).Train); // 1 + 1 of 3 leaves one training row
        Assert.Contains("no training rows", Assert.Throws<ArgumentException>(() => TabularSplit.ByFraction(2, 0.45, 0.45, 1)).Message);
        Assert.Throws<ArgumentException>(() => TabularSplit.ByFraction(0, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TabularSplit.ByFraction(-1, 0, 0, 1));
    }
}
