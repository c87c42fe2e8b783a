using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// Something that happens around the loop's steps (evaluation bookkeeping, early stopping, keep-best, checkpoints,
/// progress, reports, logs). Callbacks run in registration order; each saves and restores its own state, so a
/// resumed run continues exactly.
/// </summary>
public interface ITrainingCallback : IStatefulPart
{
    /// <summary>A name unique within the run (the scope of its saved state).</summary>
    string Name { get; }

    /// <summary>Before the first step (after a resumed run's state is restored).</summary>
    void OnStart(TrainingRun run);

    /// <summary>After every update.</summary>
    void OnStep(TrainingRun run, in StepResult step);

    /// <summary>After every evaluation.</summary>
    void OnEvaluation(TrainingRun run, EvaluationResult evaluation);

    /// <summary>After the last step and the final evaluation, before the best parameters are restored.</summary>
    void OnEnd(TrainingRun run);

    /// <summary>After the best parameters are restored and evaluated on test: the run's outcome (reports go here).</summary>
    void OnOutcome(TrainingRun run, TrainingOutcome outcome);
}
