namespace MtlSharp.NN.Optim;

/// <summary>The base learning rate at every step.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    /// <inheritdoc />
    public float At(float baseLearningRate, long step) => baseLearningRate;
}
