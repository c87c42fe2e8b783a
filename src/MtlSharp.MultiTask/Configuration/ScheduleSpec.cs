namespace MtlSharp.MultiTask.Configuration;

/// <summary>How long and in what batches a run trains (null: the family's default).</summary>
public sealed record ScheduleSpec
{
    /// <summary>Examples (sentences) per batch.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Routed image/synthetic data: rounds.</summary>
    public long? Rounds { get; init; }

    /// <summary>CSV and tagging data: epochs (the most, with early stopping).</summary>
    public int? Epochs { get; init; }

    /// <summary>Examples per evaluation batch (null: 256); smaller bounds the memory of large images and wide layers.</summary>
    public int? EvaluationBatchSize { get; init; }

    /// <summary>Evaluations over the run (0: only at the end; null: every epoch where there are epochs, else at the end).</summary>
    public int? Evaluations { get; init; }
}
