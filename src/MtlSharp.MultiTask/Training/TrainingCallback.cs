using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training;

/// <summary>A callback with empty hooks to override and no state.</summary>
public abstract class TrainingCallback : ITrainingCallback
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public virtual void OnStart(TrainingRun run)
    {
    }

    /// <inheritdoc/>
    public virtual void OnStep(TrainingRun run, in StepResult step)
    {
    }

    /// <inheritdoc/>
    public virtual void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
    }

    /// <inheritdoc/>
    public virtual void OnEnd(TrainingRun run)
    {
    }

    /// <inheritdoc/>
    public virtual void OnOutcome(TrainingRun run, TrainingOutcome outcome)
    {
    }

    /// <inheritdoc/>
    public virtual void SaveState(StateBag bag)
    {
    }

    /// <inheritdoc/>
    public virtual void LoadState(StateBag bag)
    {
    }
}
