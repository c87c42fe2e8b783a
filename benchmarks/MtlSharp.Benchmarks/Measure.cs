using System.Diagnostics;

namespace MtlSharp.Benchmarks;

/// <summary>
/// Times an action the same way the PyTorch scripts do: warm up, then repeat in fixed-length windows and report
/// the median seconds per call, plus managed bytes allocated per call (this thread).
/// </summary>
internal static class Measure
{
    /// <summary>Median seconds per call and allocated bytes per call.</summary>
    public static (double Seconds, double AllocatedBytes) Time(Action action, BenchOptions o)
    {
        var (median, _, alloc) = TimeWithBest(action, o);
        return (median, alloc);
    }

    /// <summary>
    /// <see cref="Time"/> plus the fastest window's seconds per call: on a machine shared with other jobs the best
    /// window is the one least disturbed by them (the PyTorch scripts record the same).
    /// </summary>
    public static (double Seconds, double BestSeconds, double AllocatedBytes) TimeWithBest(Action action, BenchOptions o)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < o.WarmupSeconds)
        {
            action();
        }

        var rates = new List<double>();
        long allocStart = GC.GetAllocatedBytesForCurrentThread();
        long calls = 0;
        for (int w = 0; w < o.Windows; w++)
        {
            long n = 0;
            sw.Restart();
            do
            {
                action();
                n++;
            }
            while (sw.Elapsed.TotalSeconds < o.WindowSeconds);
            rates.Add(sw.Elapsed.TotalSeconds / n);
            calls += n;
        }

        double alloc = (GC.GetAllocatedBytesForCurrentThread() - allocStart) / (double)calls;
        rates.Sort();
        return (rates[rates.Count / 2], rates[0], alloc);
    }
}
