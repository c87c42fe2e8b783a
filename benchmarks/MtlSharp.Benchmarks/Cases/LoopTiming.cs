using MtlSharp.MultiTask.Training;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Times updates of the one training loop (<see cref="Trainer"/>), which runs a whole schedule per call: warm up,
/// grow the run length until one run trains for at least max(0.3 s, window), then report the median over
/// <see cref="BenchOptions.Windows"/> runs of that length of <see cref="TrainingOutcome.TrainSeconds"/> /
/// <see cref="TrainingOutcome.Updates"/>, and the steady-state managed bytes per update as the slope between a run
/// of that length and one twice as long (fixed costs — building the loop and its optimizers, the final test
/// evaluation — cancel).
/// </summary>
/// <remarks>
/// The loop's stopwatch covers, per update, the sampler's draw, the data's batch and the update itself (forward,
/// losses, backward, clipping, every optimizer step); callbacks, evaluations and checkpoint writes lie outside it.
/// </remarks>
internal static class LoopTiming
{
    /// <summary>
    /// Measures <paramref name="run"/> (train a fresh loop for the given number of updates, on a model that persists
    /// between calls); lengths start at <paramref name="firstSteps"/> and double.
    /// </summary>
    public static (double SecondsPerUpdate, double AllocatedBytesPerUpdate) Measure(Func<long, TrainingOutcome> run, long warmupSteps, long firstSteps, long maxSteps, BenchOptions o)
    {
        var (median, _, alloc) = MeasureWithBest(run, warmupSteps, firstSteps, maxSteps, o);
        return (median, alloc);
    }

    /// <summary>
    /// <see cref="Measure"/> plus the fastest run's seconds per update (the run least disturbed by other jobs on a
    /// shared machine; the PyTorch scripts record their fastest window the same way).
    /// </summary>
    public static (double SecondsPerUpdate, double BestSecondsPerUpdate, double AllocatedBytesPerUpdate) MeasureWithBest(
        Func<long, TrainingOutcome> run, long warmupSteps, long firstSteps, long maxSteps, BenchOptions o)
    {
        run(warmupSteps);
        long steps = firstSteps;
        double target = Math.Max(0.3, o.WindowSeconds);
        while (true)
        {
            var outcome = run(steps);
            if (outcome.TrainSeconds >= target || steps > maxSteps)
            {
                break;
            }

            steps *= 2;
        }

        var times = new List<double>();
        double allocPerUpdate = 0;
        for (int w = 0; w < o.Windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = run(steps);
            long small = GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(outcome.TrainSeconds / outcome.Updates);
            if (w == 0)
            {
                before = GC.GetAllocatedBytesForCurrentThread();
                run(steps * 2);
                long big = GC.GetAllocatedBytesForCurrentThread() - before;
                allocPerUpdate = (big - small) / (double)steps;
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[0], allocPerUpdate);
    }
}
