namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>
/// The outcome of <c>mtl group</c>: the method's score table, the chosen networks with predicted and (when trained)
/// measured performance, the all-in-one and all-separate references, and the compute every run took.
/// </summary>
public sealed record GroupingStudy
{
    /// <summary>The method.</summary>
    public required GroupingMethod Method { get; init; }

    /// <summary>The task names.</summary>
    public required IReadOnlyList<string> Tasks { get; init; }

    /// <summary>Each task's metric name.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    /// <summary>Whether a larger metric is better, per task.</summary>
    public required IReadOnlyList<bool> HigherIsBetter { get; init; }

    /// <summary>The network budget.</summary>
    public required int Budget { get; init; }

    /// <summary>The chosen grouping (scores: direction-signed metrics for Standley, affinity or similarity means otherwise).</summary>
    public required TaskGrouping Grouping { get; init; }

    /// <summary>
    /// The task × task relation the method read: TAG's affinity Z[i][j], the allocation-embedding cosine, or for
    /// Standley the pair gain [i][j] = score of j trained with i − score of j alone.
    /// </summary>
    public double[][]? Relation { get; init; }

    /// <summary>The predicted selection metric of each task under the grouping (Standley; null for the other methods, whose scores are not metrics).</summary>
    public double[]? Predicted { get; init; }

    /// <summary>The measured test metric of each task from the network serving it (with <c>--train</c>).</summary>
    public double[]? Measured { get; init; }

    /// <summary>Each task's test metric trained with every task in one network (with <c>--train</c>).</summary>
    public double[]? AllInOne { get; init; }

    /// <summary>Each task's test metric trained alone (with <c>--train</c>, or Standley's single-task runs).</summary>
    public double[]? AllSeparate { get; init; }

    /// <summary>Training seconds the method needed to choose (not counting the runs that measure the choice).</summary>
    public required double MethodSeconds { get; init; }

    /// <summary>The transfer matrix and source rankings (method <see cref="GroupingMethod.Transfer"/>; null otherwise).</summary>
    public TransferMatrix? Transfer { get; init; }

    /// <summary>Every network trained.</summary>
    public required IReadOnlyList<GroupTraining> Runs { get; init; }
}
