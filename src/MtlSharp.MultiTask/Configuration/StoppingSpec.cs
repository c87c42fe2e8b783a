namespace MtlSharp.MultiTask.Configuration;

/// <summary>Early stopping and model selection.</summary>
public sealed record StoppingSpec
{
    /// <summary>Evaluations without improvement before stopping (0: never; null: the family's default).</summary>
    public int? Patience { get; init; }

    /// <summary>The task whose validation metric selects the best evaluation (null: the mean score of all tasks).</summary>
    public string? Select { get; init; }
}
