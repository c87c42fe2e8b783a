namespace MtlSharp.Data.Text;

/// <summary>
/// A sequence-tagging task: predict, for every word, the value of one tag column (UPOS, XPOS, the base DEPREL,
/// a chunk tag…), with a tag vocabulary built from training data.
/// </summary>
public sealed class TaggingTask
{
    /// <summary>Creates a task over column <paramref name="column"/> with tag vocabulary <paramref name="tags"/>.</summary>
    public TaggingTask(string name, string column, Vocabulary tags)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(tags);
        Name = name;
        Column = column;
        Tags = tags;
    }

    /// <summary>Task name (display and metrics).</summary>
    public string Name { get; }

    /// <summary>The tag column of <see cref="TaggedSentence.Columns"/> this task predicts.</summary>
    public string Column { get; }

    /// <summary>The tag vocabulary (no padding entry: padding positions are masked instead).</summary>
    public Vocabulary Tags { get; }

    /// <summary>Number of output classes.</summary>
    public int NumTags => Tags.Count;

    /// <summary>The task as the training loop sees it: sequence tagging over <see cref="NumTags"/> tags, token accuracy.</summary>
    public Tasks.TaskInfo Info => Tasks.TaskInfo.Tagging(Name, NumTags);

    /// <summary>
    /// A task over <paramref name="column"/> whose tag vocabulary holds every value of that column in
    /// <paramref name="training"/> (sentences without the column are ignored). With
    /// <paramref name="withUnknown"/>, unseen tags later map to an unknown id (0) instead of raising an error.
    /// </summary>
    public static TaggingTask FromColumn(string name, string column, IEnumerable<TaggedSentence> training, bool withUnknown = false)
    {
        ArgumentNullException.ThrowIfNull(training);
        var values = new List<string>();
        bool any = false;
        foreach (TaggedSentence s in training)
        {
            if (s.Columns.TryGetValue(column, out string[]? tags))
            {
                any = true;
                values.AddRange(tags);
            }
        }

        if (!any)
        {
            throw new ArgumentException($"TaggingTask '{name}': no training sentence has a column '{column}'.", nameof(training));
        }

        return new TaggingTask(name, column, Vocabulary.ForTags(values, withUnknown));
    }

    /// <summary>Universal POS tagging (CoNLL-U column 4).</summary>
    public static TaggingTask Upos(IEnumerable<TaggedSentence> training) => FromColumn("UPOS", ConllUColumns.Upos, training);

    /// <summary>Language-specific POS tagging (CoNLL-U column 5; PTB tags for English).</summary>
    public static TaggingTask Xpos(IEnumerable<TaggedSentence> training) => FromColumn("XPOS", ConllUColumns.Xpos, training);

    /// <summary>Dependency-relation labelling, base relation without subtype (CoNLL-U column 8 before ':').</summary>
    public static TaggingTask DeprelBase(IEnumerable<TaggedSentence> training, bool withUnknown = false) =>
        FromColumn("DEPREL", ConllUColumns.DeprelBase, training, withUnknown);

    /// <summary>True when <paramref name="sentence"/> has this task's column.</summary>
    public bool AppliesTo(TaggedSentence sentence) => sentence.Columns.ContainsKey(Column);

    /// <summary>
    /// Writes the tag ids of <paramref name="sentence"/> into <paramref name="ids"/> (length ≥ sentence length). An
    /// unseen tag in a vocabulary without unknown entry throws, naming the sentence's source, the tag and the task.
    /// </summary>
    public void Encode(TaggedSentence sentence, Span<int> ids)
    {
        string[] tags = sentence.Column(Column);
        for (int i = 0; i < tags.Length; i++)
        {
            if (Tags.TryGetId(tags[i], out int id))
            {
                ids[i] = id;
            }
            else if (Tags.UnknownId >= 0)
            {
                ids[i] = Tags.UnknownId;
            }
            else
            {
                throw new KeyNotFoundException(
                    $"{sentence.Source}: tag '{tags[i]}' (word {i + 1}, '{sentence.Words[i]}') of task '{Name}' (column {Column}) is not in its tag vocabulary of {NumTags} tags built from the training data.");
            }
        }
    }
}
