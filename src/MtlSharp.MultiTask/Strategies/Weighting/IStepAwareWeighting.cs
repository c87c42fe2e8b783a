namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// A loss weighting that keeps statistics of the training run (e.g. <see cref="DwaWeighting"/>'s epoch means): the
/// trainer tells it about every finished update. Such a weighting usually also implements
/// <see cref="Training.State.IStatefulPart"/> so that a resumed run continues exactly; the trainer saves it under the
/// scope "weighting".
/// </summary>
public interface IStepAwareWeighting : ILossWeighting
{
    /// <summary>
    /// Called by the training loop right after update <paramref name="step"/> (0-based) with the step's parts:
    /// <paramref name="tasks"/>[i] is the task of part i and <paramref name="losses"/>[i] its unweighted loss value
    /// (NaN when the part had no label). Not called by <see cref="Training.Trainer.Objective"/>.
    /// </summary>
    void OnStep(ReadOnlySpan<int> tasks, ReadOnlySpan<float> losses, long step);
}
