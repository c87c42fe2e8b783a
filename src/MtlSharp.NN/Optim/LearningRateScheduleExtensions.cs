namespace MtlSharp.NN.Optim;

/// <summary>Applies an <see cref="ILearningRateSchedule"/> to optimizer groups.</summary>
public static class LearningRateScheduleExtensions
{
    /// <summary>Sets <c>group.LearningRate = schedule.At(group.InitialLearningRate, step)</c>.</summary>
    public static void Apply(this ILearningRateSchedule schedule, OptimizerGroup group, long step)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(group);
        group.LearningRate = schedule.At(group.InitialLearningRate, step);
    }

    /// <summary>Applies the schedule to every group of <paramref name="optimizer"/> (each from its own base rate).</summary>
    public static void Apply(this ILearningRateSchedule schedule, IOptimizer optimizer, long step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        foreach (var g in optimizer.Groups)
        {
            schedule.Apply(g, step);
        }
    }
}
