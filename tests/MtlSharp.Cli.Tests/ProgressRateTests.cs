using Xunit;

namespace MtlSharp.Cli.Tests;

/// <summary>The console's rate and ETA come from this process's reports, not the run's cumulative time.</summary>
public sealed class ProgressRateTests
{
    [Fact]
    public void ResumedRunShowsItsCurrentRateNotTheCumulativeOne()
    {
        // Resumed at update 8,600 after 4,000 s of earlier (partly suspended) training: the cumulative rate would
        // be about 2 updates/s; this process trains 13 updates/s and spends 10% of its wall time evaluating.
        var rate = new ProgressRate();
        rate.Observe(8600, 4000, 0.5);
        Assert.Equal(0, rate.UpdatesPerSecond);
        Assert.Equal(0, rate.SecondsLeft(21000));
        rate.Observe(9900, 4100, 111.6);
        Assert.Equal(13, rate.UpdatesPerSecond, 6);
        // 1,300 updates in 111.1 s of wall time; 11,100 left.
        Assert.Equal(11100 * 111.1 / 1300, rate.SecondsLeft(21000), 6);
        rate.Observe(21000, 4954, 1060);
        Assert.Equal(0, rate.SecondsLeft(21000));
    }

    [Fact]
    public void ARestartedCountStartsAfresh()
    {
        var rate = new ProgressRate();
        rate.Observe(0, 0, 0);
        rate.Observe(100, 10, 10);
        Assert.Equal(10, rate.UpdatesPerSecond, 6);
        rate.Observe(0, 0, 20);
        Assert.Equal(0, rate.UpdatesPerSecond);
        rate.Observe(50, 10, 30);
        Assert.Equal(5, rate.UpdatesPerSecond, 6);
        Assert.Equal(50 * 10 / 50.0, rate.SecondsLeft(100), 6);
    }
}
