using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Training;

/// <summary>What a run of the loop produced (curves and other records live in the callbacks that kept them).</summary>
public sealed record TrainingOutcome
{
    /// <summary>Final per-task results: test metric, and validation metric where a validation split exists (after restoring the best parameters).</summary>
    public required IReadOnlyList<TaskResult> Tasks { get; init; }

    /// <summary>Training seconds (evaluation excluded), summed over resumed sessions.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Updates performed.</summary>
    public required long Updates { get; init; }

    /// <summary>The update whose parameters the results come from (the best validation evaluation, or the last update).</summary>
    public required long SelectedStep { get; init; }

    /// <summary>True when the run was cancelled before finishing (it can be resumed).</summary>
    public bool Cancelled { get; init; }

    /// <summary>Why the loop stopped before its last update (early stopping), or null.</summary>
    public string? StopReason { get; init; }
}
