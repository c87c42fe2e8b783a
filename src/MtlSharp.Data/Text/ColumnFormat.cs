namespace MtlSharp.Data.Text;

/// <summary>
/// Layout of a one-token-per-line column file with blank lines between sentences (the CoNLL shared-task
/// family): which column holds the word and which hold tags (0-based), the separator, and lines to skip.
/// </summary>
public sealed record ColumnFormat
{
    /// <summary>0-based column of the word.</summary>
    public int WordColumn { get; init; }

    /// <summary>Tag columns: name → 0-based column index.</summary>
    public IReadOnlyDictionary<string, int> TagColumns { get; init; } = new Dictionary<string, int>();

    /// <summary>Column separator (default: whitespace).</summary>
    public ColumnSeparator Separator { get; init; } = ColumnSeparator.Whitespace;

    /// <summary>Lines starting with this prefix are comments and are skipped (null: no comments).</summary>
    public string? CommentPrefix { get; init; }

    /// <summary>
    /// A document-start marker word (e.g. <c>-DOCSTART-</c> in CoNLL-2003): a line whose word is this ends the
    /// current sentence and is skipped. Null: none.
    /// </summary>
    public string? DocumentStartMarker { get; init; }

    /// <summary>CoNLL-2000 chunking: word, POS (column "POS"), chunk tag in IOB2 (column "CHUNK"), whitespace-separated.</summary>
    public static ColumnFormat Conll2000 { get; } = new()
    {
        WordColumn = 0,
        TagColumns = new Dictionary<string, int> { ["POS"] = 1, ["CHUNK"] = 2 },
    };

    /// <summary>Number of columns a line must have at least.</summary>
    public int RequiredColumns
    {
        get
        {
            int max = WordColumn;
            foreach (int c in TagColumns.Values)
            {
                max = Math.Max(max, c);
            }

            return max + 1;
        }
    }
}
