namespace MtlSharp.Data.Text;

/// <summary>
/// Reader for column-format files (one token per line, blank lines between sentences), plain or gzip-compressed,
/// laid out as described by a <see cref="ColumnFormat"/>. Files must be UTF-8. Malformed input throws
/// <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
public static class ColumnReader
{
    /// <summary>Reads every sentence of <paramref name="path"/>.</summary>
    public static List<TaggedSentence> Read(string path, ColumnFormat format)
    {
        using var reader = new StringReader(DataFile.ReadAllText(path));
        return Read(reader, path, format);
    }

    /// <summary>Reads every sentence from <paramref name="reader"/>; <paramref name="sourceName"/> is used in messages.</summary>
    public static List<TaggedSentence> Read(TextReader reader, string sourceName, ColumnFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (format.WordColumn < 0)
        {
            throw new ArgumentException($"ColumnReader: WordColumn must be >= 0 (got {format.WordColumn}).", nameof(format));
        }

        var names = new string[format.TagColumns.Count];
        var indices = new int[names.Length];
        int k = 0;
        foreach (KeyValuePair<string, int> c in format.TagColumns)
        {
            if (c.Value < 0)
            {
                throw new ArgumentException($"ColumnReader: tag column '{c.Key}' has a negative index {c.Value}.", nameof(format));
            }

            names[k] = c.Key;
            indices[k++] = c.Value;
        }

        int required = format.RequiredColumns;
        var sentences = new List<TaggedSentence>();
        var words = new List<string>();
        var tags = new List<string>[names.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            tags[i] = [];
        }

        int lineNo = 0, firstLine = 0;
        var pool = new StringPool();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                Flush();
                continue;
            }

            if (format.CommentPrefix is { Length: > 0 } prefix && line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string[] f = format.Separator == ColumnSeparator.Tab
                ? line.TrimEnd('\r').Split('\t')
                : line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < required)
            {
                throw new InvalidDataException(
                    $"{sourceName}:{lineNo}: expected at least {required} {(format.Separator == ColumnSeparator.Tab ? "tab" : "whitespace")}-separated columns " +
                    $"(word in column {format.WordColumn}{Describe(names, indices)}), found {f.Length}.");
            }

            if (format.DocumentStartMarker is not null && f[format.WordColumn] == format.DocumentStartMarker)
            {
                Flush();
                continue;
            }

            if (firstLine == 0)
            {
                firstLine = lineNo;
            }

            words.Add(pool.Get(f[format.WordColumn]));
            for (int i = 0; i < names.Length; i++)
            {
                tags[i].Add(pool.Get(f[indices[i]]));
            }
        }

        Flush();
        return sentences;

        void Flush()
        {
            if (words.Count > 0)
            {
                var columns = new Dictionary<string, string[]>(names.Length);
                for (int i = 0; i < names.Length; i++)
                {
                    columns[names[i]] = tags[i].ToArray();
                    tags[i].Clear();
                }

                sentences.Add(new TaggedSentence(words.ToArray(), columns, $"{sourceName}:{firstLine}"));
                words.Clear();
            }

            firstLine = 0;
        }
    }

    private static string Describe(string[] names, int[] indices)
    {
        var parts = new string[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            parts[i] = $", {names[i]} in column {indices[i]}";
        }

        return string.Concat(parts);
    }
}
