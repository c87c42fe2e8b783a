namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A task-conditioned network (<c>model.type</c> "film"): one shared MLP of widths <c>ExpertSizes</c> whose layers are
/// scaled and shifted per task from a learned task embedding of <see cref="EmbeddingSize"/> values
/// (<see cref="Models.Experts.TaskConditionedNetwork"/>).
/// </summary>
public sealed record TaskConditionedModelSpec : ExpertModelSpec
{
    /// <summary>Length of the task embeddings.</summary>
    public int EmbeddingSize { get; init; } = 8;
}
