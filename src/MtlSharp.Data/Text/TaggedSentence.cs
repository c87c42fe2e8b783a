namespace MtlSharp.Data.Text;

/// <summary>
/// A tokenised sentence with any number of per-token tag columns (e.g. UPOS, XPOS, chunk), the common input of
/// <see cref="TaggingTask"/>, <see cref="Vocabulary"/> and <see cref="SentenceBatcher"/>.
/// </summary>
public sealed class TaggedSentence
{
    /// <summary>Creates a sentence; every column must have one entry per word.</summary>
    public TaggedSentence(string[] words, IReadOnlyDictionary<string, string[]> columns, string source, string? id = null, string? genre = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(columns);
        foreach (KeyValuePair<string, string[]> c in columns)
        {
            if (c.Value.Length != words.Length)
            {
                throw new ArgumentException($"{source}: column {c.Key} has {c.Value.Length} entries for {words.Length} words.");
            }
        }

        Words = words;
        Columns = columns;
        Source = source;
        Id = id;
        Genre = genre;
    }

    /// <summary>The words (token forms).</summary>
    public string[] Words { get; }

    /// <summary>Tag columns by name, each with one entry per word.</summary>
    public IReadOnlyDictionary<string, string[]> Columns { get; }

    /// <summary>Where the sentence came from, as <c>file:line</c> (for error messages).</summary>
    public string Source { get; }

    /// <summary>Sentence id when the format has one (CoNLL-U <c># sent_id</c>).</summary>
    public string? Id { get; }

    /// <summary>Genre/domain when known (for UD English-EWT: answers, email, newsgroup, reviews, weblog).</summary>
    public string? Genre { get; }

    /// <summary>Number of words.</summary>
    public int Length => Words.Length;

    /// <summary>The column <paramref name="name"/>; the error lists the columns present and names the source.</summary>
    public string[] Column(string name) =>
        Columns.TryGetValue(name, out string[]? values)
            ? values
            : throw new KeyNotFoundException($"{Source}: the sentence has no column '{name}' (columns: {string.Join(", ", Columns.Keys)}).");
}
