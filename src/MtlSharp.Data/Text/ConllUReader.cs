using System.Globalization;

namespace MtlSharp.Data.Text;

/// <summary>
/// Reader for the CoNLL-U format of Universal Dependencies (https://universaldependencies.org/format.html), plain
/// or gzip-compressed. Sentences are separated by blank lines; <c>#</c> lines are comments, of which
/// <c># sent_id = …</c> and <c># text = …</c> are kept. Multiword-token lines (ID like <c>3-4</c>) and empty nodes
/// (ID like <c>8.1</c>) are skipped, so a sentence holds its syntactic words with IDs 1..n. Errors name the file
/// and line.
/// </summary>
/// <remarks>
/// Checked as the format requires: a file must be UTF-8; a line has ten tab-separated fields, none empty (<c>_</c>
/// is the empty value); word IDs run 1..n; a word's UPOS is a tag, not <c>_</c> (which only multiword-token lines
/// and empty nodes may leave there); HEAD is <c>_</c> or a word ID of the sentence (0 for the root, at most n).
/// Malformed input throws <see cref="InvalidDataException"/> naming the file and line.
/// </remarks>
public static class ConllUReader
{
    private const int NumColumns = 10;

    private static readonly string[] ColumnNames = ["ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC"];

    /// <summary>Reads every sentence of <paramref name="path"/>.</summary>
    public static IReadOnlyList<ConllUSentence> Read(string path)
    {
        using var reader = new StringReader(DataFile.ReadAllText(path));
        return Read(reader, path);
    }

    /// <summary>Reads every sentence from <paramref name="reader"/>; <paramref name="sourceName"/> is used in messages.</summary>
    public static IReadOnlyList<ConllUSentence> Read(TextReader reader, string sourceName)
    {
        var sentences = new List<ConllUSentence>();
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        var tokens = new List<ConllUToken>();
        var tokenLines = new List<int>();
        string? sentId = null, text = null;
        int lineNo = 0, firstLine = 0;
        var pool = new StringPool();
        var ranges = new Range[NumColumns + 1];
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }

            if (firstLine == 0)
            {
                firstLine = lineNo;
            }

            if (line[0] == '#')
            {
                ReadComment(line, ref sentId, ref text);
                continue;
            }

            int found = SplitTabs(line, ranges);
            if (found != NumColumns)
            {
                throw new InvalidDataException(
                    $"{sourceName}:{lineNo}: expected {NumColumns} tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), found {found}.");
            }

            for (int k = 0; k < NumColumns; k++)
            {
                if (line.AsSpan(ranges[k]).IsEmpty)
                {
                    throw new InvalidDataException(
                        $"{sourceName}:{lineNo}: column {k + 1} ({ColumnNames[k]}) is empty; CoNLL-U writes an empty value as _.");
                }
            }

            ReadOnlySpan<char> id = line.AsSpan(ranges[0]);
            if (id.Contains('-') || id.Contains('.'))
            {
                CheckRangeOrEmptyNode(id, sourceName, lineNo);
                continue;
            }

            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int idValue))
            {
                throw new InvalidDataException(
                    $"{sourceName}:{lineNo}: invalid ID '{id}'; expected an integer, a multiword range like 3-4 or an empty node like 8.1.");
            }

            if (idValue != tokens.Count + 1)
            {
                throw new InvalidDataException($"{sourceName}:{lineNo}: word ID {idValue} is out of sequence; expected {tokens.Count + 1}.");
            }

            ReadOnlySpan<char> headField = line.AsSpan(ranges[6]);
            int head = -1;
            if (!headField.SequenceEqual("_") && !int.TryParse(headField, NumberStyles.None, CultureInfo.InvariantCulture, out head))
            {
                throw new InvalidDataException($"{sourceName}:{lineNo}: invalid HEAD '{headField}'; expected a non-negative integer or _.");
            }

            if (line.AsSpan(ranges[3]).SequenceEqual("_"))
            {
                throw new InvalidDataException(
                    $"{sourceName}:{lineNo}: word {idValue} has no UPOS tag (_); only multiword-token lines and empty nodes may leave UPOS empty.");
            }

            tokenLines.Add(lineNo);
            tokens.Add(new ConllUToken(
                idValue, Field(1), Field(2), Field(3), Field(4), Field(5), head, Field(7), Field(8), Field(9)));
        }

        Flush();
        return sentences;

        string Field(int k) => pool.Get(line.AsSpan(ranges[k]));

        void Flush()
        {
            for (int k = 0; k < tokens.Count; k++)
            {
                if (tokens[k].Head > tokens.Count)
                {
                    throw new InvalidDataException(
                        $"{sourceName}:{tokenLines[k]}: HEAD {tokens[k].Head} of word {k + 1} is beyond the sentence, which has {tokens.Count} words; HEAD must be 0 (root) or a word ID 1..{tokens.Count}.");
                }
            }

            if (tokens.Count > 0)
            {
                sentences.Add(new ConllUSentence(sentId, text, tokens.ToArray(), $"{sourceName}:{firstLine}"));
            }

            tokens.Clear();
            tokenLines.Clear();
            sentId = null;
            text = null;
            firstLine = 0;
        }
    }

    /// <summary>
    /// The genre encoded in a UD English-EWT sentence id: the part before the first '-' (e.g.
    /// <c>answers-20111105112131AA6gIX6_ans-0001</c> → <c>answers</c>); null when the id is null or has no '-'.
    /// </summary>
    public static string? GenreOf(string? sentId)
    {
        if (sentId is null)
        {
            return null;
        }

        int dash = sentId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? sentId[..dash] : null;
    }

    /// <summary>The universal relation of a DEPREL: the part before the first ':' (<c>obl:tmod</c> → <c>obl</c>).</summary>
    public static string BaseRelation(string deprel)
    {
        ArgumentNullException.ThrowIfNull(deprel);
        int colon = deprel.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? deprel : deprel[..colon];
    }

    private static void ReadComment(string line, ref string? sentId, ref string? text)
    {
        ReadOnlySpan<char> body = line.AsSpan(1).TrimStart();
        int eq = body.IndexOf('=');
        if (eq < 0)
        {
            return;
        }

        ReadOnlySpan<char> key = body[..eq].Trim();
        string value = body[(eq + 1)..].Trim().ToString();
        if (key.SequenceEqual("sent_id"))
        {
            sentId = value;
        }
        else if (key.SequenceEqual("text"))
        {
            text = value;
        }
    }

    /// <summary>Splits on tabs into <paramref name="ranges"/>; returns the number of fields of the line.</summary>
    private static int SplitTabs(string line, Span<Range> ranges)
    {
        int n = line.AsSpan().Split(ranges, '\t');
        return n < ranges.Length ? n : line.AsSpan().Count('\t') + 1;
    }

    private static void CheckRangeOrEmptyNode(ReadOnlySpan<char> id, string sourceName, int lineNo)
    {
        char sep = id.Contains('-') ? '-' : '.';
        int at = id.IndexOf(sep);
        bool ok = at > 0
            && int.TryParse(id[..at], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && int.TryParse(id[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
        if (!ok)
        {
            throw new InvalidDataException(
                $"{sourceName}:{lineNo}: invalid ID '{id}'; expected an integer, a multiword range like 3-4 or an empty node like 8.1.");
        }
    }
}
