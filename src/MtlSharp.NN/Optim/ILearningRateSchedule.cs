namespace MtlSharp.NN.Optim;

/// <summary>
/// A learning-rate schedule in closed form: the rate at a step (or epoch, as the caller counts) from a group's
/// base rate. <see cref="LearningRateScheduleExtensions.Apply(ILearningRateSchedule, IOptimizer, long)"/> sets every group's rate from its
/// <see cref="OptimizerGroup.InitialLearningRate"/>, so groups with different base rates follow the same shape.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate at <paramref name="step"/> (≥ 0) for base rate <paramref name="baseLearningRate"/>.</summary>
    float At(float baseLearningRate, long step);
}
