namespace MtlSharp.Data.Text;

/// <summary>How a word or character <see cref="Vocabulary"/> is built from training data.</summary>
public sealed record VocabularyOptions
{
    /// <summary>Entries seen fewer times than this in the training data map to the unknown id (default 1: keep all).</summary>
    public int MinFrequency { get; init; } = 1;

    /// <summary>Lower-case (invariant culture) entries when building and when looking up.</summary>
    public bool Lowercase { get; init; }

    /// <summary>Keep at most this many entries besides the reserved ones (most frequent first); null: no limit.</summary>
    public int? MaxSize { get; init; }
}
