using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Training;

/// <summary>What a training run produced, ready for a <see cref="RunReport"/>.</summary>
public sealed record TrainingOutcome
{
    /// <summary>Final per-task results (from the best checkpoint where a validation split exists).</summary>
    public required IReadOnlyList<TaskResult> Tasks { get; init; }

    /// <summary>Training loss per task.</summary>
    public required IReadOnlyList<Curve> LossCurves { get; init; }

    /// <summary>Metric curves (per task and split) from the periodic evaluations.</summary>
    public required IReadOnlyList<Curve> MetricCurves { get; init; }

    /// <summary>Allocation probabilities over training, per routed layer.</summary>
    public required IReadOnlyList<AllocationHistory> AllocationHistory { get; init; }

    /// <summary>Training seconds (evaluation excluded).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Updates performed.</summary>
    public required long Updates { get; init; }

    /// <summary>True when the run was cancelled before finishing.</summary>
    public bool Cancelled { get; init; }
}
