namespace MtlSharp.MultiTask.Configuration;

/// <summary>UD English-EWT (CoNLL-U) with one genre as the training domain; tasks are tag columns.</summary>
public sealed record EwtSource : DataSource
{
    /// <summary>The EWT folder, or a folder holding <c>ud-english-ewt/</c> (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>Training genre, or "all".</summary>
    public string TrainGenre { get; init; } = "answers";
}
