using System.Globalization;
using System.Text;
using MtlSharp.Data.Text;

namespace MtlSharp.Data.Tabular;

/// <summary>
/// A comma-separated table (RFC 4180) held in memory column by column. The first row is the header. Fields may be
/// quoted with <c>"</c> (<c>""</c> inside quotes is a quote; quoted fields may hold commas and line breaks); lines end
/// in CRLF, LF or a lone CR; a UTF-8 byte-order mark, a missing final newline and blank lines at the end are accepted.
/// An empty field (unquoted empty or <c>""</c>) is a missing value, returned as null by <see cref="Get"/>. Unquoted
/// fields are trimmed of surrounding whitespace; quoted fields are kept as written (spaces or tabs around the quotes
/// are allowed, and a <c>"</c> inside an unquoted field is an ordinary character). Every row remembers the physical
/// line it starts on, so errors about its values can name the file and line (<see cref="Locate"/>). Bad input throws
/// <see cref="InvalidDataException"/> whose message starts with <c>PATH:LINE:</c> (or <c>PATH:</c>).
/// </summary>
public sealed class CsvTable
{
    private readonly string[] _columns;
    private readonly string?[][] _data;   // per column, per row
    private readonly int[][] _lines;      // per column: the starting line of each row in that column's file
    private readonly string[] _sources;   // per column: the file it was read from
    private readonly Dictionary<string, int> _index;
    private (int FirstRow, string Source)[]? _segments;   // appended tables: where each file's rows begin

    private CsvTable(string source, string[] columns, string?[][] data, int[][] lines, string[] sources, int rowCount)
    {
        Source = source;
        _columns = columns;
        _data = data;
        _lines = lines;
        _sources = sources;
        RowCount = rowCount;
        _index = new Dictionary<string, int>(columns.Length, StringComparer.Ordinal);
        for (int i = 0; i < columns.Length; i++)
        {
            _index.Add(columns[i], i);
        }
    }

    /// <summary>The name used in messages: the file path (for a joined table, both sources joined by <c> + </c>).</summary>
    public string Source { get; }

    /// <summary>The header names, in file order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The number of data rows (the header is not a row).</summary>
    public int RowCount { get; }

    /// <summary>
    /// Reads and parses <paramref name="path"/> (plain or gzip-compressed UTF-8; invalid UTF-8 is an error naming the
    /// line); messages name the path.
    /// </summary>
    public static CsvTable Read(string path) => Parse(DataFile.ReadAllText(path), path);

    /// <summary>Parses CSV <paramref name="text"/>; <paramref name="source"/> names it in messages.</summary>
    public static CsvTable Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        return new Parser(text, source).Run();
    }

    /// <summary>The value at (<paramref name="row"/>, <paramref name="column"/>), or null when the field is missing (empty).</summary>
    public string? Get(int row, int column)
    {
        CheckRow(row);
        CheckColumn(column);
        return _data[column][row];
    }

    /// <summary>
    /// The 1-based physical line on which <paramref name="row"/> starts in <see cref="Source"/> (for a joined table, in
    /// the first table's file; use <see cref="LineOf(int, int)"/> for a given column).
    /// </summary>
    public int LineOf(int row)
    {
        CheckRow(row);
        return _lines[0][row];
    }

    /// <summary>The 1-based line on which <paramref name="row"/> starts in the file that <paramref name="column"/> came from.</summary>
    public int LineOf(int row, int column)
    {
        CheckRow(row);
        CheckColumn(column);
        return _lines[column][row];
    }

    /// <summary>The file that <paramref name="column"/> came from (differs from <see cref="Source"/> only in joined tables).</summary>
    public string SourceOf(int column)
    {
        CheckColumn(column);
        return _sources[column];
    }

    /// <summary><c>PATH:LINE</c> of a value, for messages: the column's file and the line its row starts on.</summary>
    public string Locate(int row, int column)
    {
        string source = SourceOf(column);
        if (_segments is not null)
        {
            foreach (var (first, file) in _segments)
            {
                if (row >= first)
                {
                    source = file;
                }
            }
        }

        return $"{source}:{LineOf(row, column).ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The rows of this table followed by those of <paramref name="other"/> (a file of further rows, e.g. a test split):
    /// it must have the same columns in the same order. Messages about an appended row name its own file and line.
    /// </summary>
    public CsvTable Append(CsvTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!_columns.SequenceEqual(other._columns))
        {
            throw new InvalidDataException($"{other.Source}: its columns ({string.Join(", ", other._columns)}) differ from those of {Source} ({string.Join(", ", _columns)}); split files need the same header");
        }

        var data = new string?[_columns.Length][];
        var lines = new int[_columns.Length][];
        for (int c = 0; c < _columns.Length; c++)
        {
            data[c] = [.. _data[c], .. other._data[c]];
            lines[c] = [.. _lines[c], .. other._lines[c]];
        }

        var segments = new List<(int, string)>(_segments ?? [(0, Source)]);
        segments.AddRange((other._segments ?? [(0, other.Source)]).Select(s => (s.FirstRow + RowCount, s.Source)));
        return new CsvTable(Source, [.. _columns], data, lines, [.. _sources], RowCount + other.RowCount) { _segments = [.. segments] };
    }

    /// <summary>True when a column is named <paramref name="column"/> (ordinal comparison).</summary>
    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>
    /// The index of the column named <paramref name="column"/>; throws <see cref="InvalidDataException"/> listing the
    /// columns when there is none.
    /// </summary>
    public int IndexOf(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (_index.TryGetValue(column, out int i))
        {
            return i;
        }

        throw new InvalidDataException($"{Source}: no column '{column}'; the columns are: {string.Join(", ", _columns)}");
    }

    /// <summary>The number of missing (empty) values of <paramref name="column"/> over all rows.</summary>
    public int CountMissing(int column)
    {
        CheckColumn(column);
        int n = 0;
        foreach (string? v in _data[column])
        {
            if (v is null)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// The type of <paramref name="column"/> judged from <paramref name="rows"/>: <see cref="ColumnType.Numeric"/> when
    /// every non-missing value there parses as a number (invariant culture, <see cref="NumberStyles.Float"/>; this
    /// includes a column with no values), otherwise <see cref="ColumnType.Categorical"/>.
    /// </summary>
    public ColumnType Infer(int column, IReadOnlyList<int> rows) => FirstNonNumber(column, rows) < 0 ? ColumnType.Numeric : ColumnType.Categorical;

    /// <summary>
    /// The columns of this table followed by those of <paramref name="other"/>, row by row. Both must have the same
    /// number of rows and no column name in common. Every column keeps its own file and line numbers for messages.
    /// </summary>
    public CsvTable Join(CsvTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.RowCount != RowCount)
        {
            throw new InvalidDataException(
                $"{Source}: {Rows(RowCount)}, but {other.Source} has {Rows(other.RowCount)}; joined tables must have the same rows in the same order");
        }

        foreach (string c in other._columns)
        {
            if (_index.ContainsKey(c))
            {
                throw new InvalidDataException($"{other.Source}: column '{c}' is also a column of {Source}; joined tables need distinct column names");
            }
        }

        return new CsvTable(
            $"{Source} + {other.Source}",
            [.. _columns, .. other._columns],
            [.. _data, .. other._data],
            [.. _lines, .. other._lines],
            [.. _sources, .. other._sources],
            RowCount);
    }

    /// <summary>Parses a field as a number with the invariant culture and <see cref="NumberStyles.Float"/>.</summary>
    internal static bool TryParseNumber(string value, out double result) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result);

    /// <summary>The first of <paramref name="rows"/> whose value in <paramref name="column"/> is not a number, or -1.</summary>
    internal int FirstNonNumber(int column, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckColumn(column);
        string?[] data = _data[column];
        foreach (int r in rows)
        {
            CheckRow(r);
            if (data[r] is { } v && !TryParseNumber(v, out _))
            {
                return r;
            }
        }

        return -1;
    }

    /// <summary>
    /// The finite number at (<paramref name="row"/>, <paramref name="column"/>), or null when missing. A value that is
    /// not a number, or not finite, throws <see cref="InvalidDataException"/> naming the file, line and column;
    /// <paramref name="role"/> ("feature", "label") completes the message.
    /// </summary>
    internal double? Number(int row, int column, string role)
    {
        string? v = Get(row, column);
        if (v is null)
        {
            return null;
        }

        return NumberProblem(v, role, out double x) is { } problem
            ? throw new InvalidDataException($"{Locate(row, column)}: column '{_columns[column]}': {problem}")
            : x;
    }

    /// <summary>
    /// Null when <paramref name="value"/> is a finite number (in <paramref name="result"/>); otherwise what is wrong
    /// with it, for a message that goes on after <c>PATH:LINE: column 'C': </c>.
    /// </summary>
    internal static string? NumberProblem(string value, string role, out double result)
    {
        if (!TryParseNumber(value, out result))
        {
            return $"'{value}' is not a number";
        }

        if (!double.IsFinite(result))
        {
            string what = double.IsNaN(result) ? "NaN" : $"an infinite value '{value}'";
            return $"{what} in a {role} (leave the field empty for a missing value)";
        }

        return null;
    }

    private static string Rows(int n) => n == 1 ? "1 row" : $"{n.ToString(CultureInfo.InvariantCulture)} rows";

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"{Source} has {Rows(RowCount)}.");
        }
    }

    private void CheckColumn(int column)
    {
        if ((uint)column >= (uint)_columns.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"{Source} has {_columns.Length} columns.");
        }
    }

    /// <summary>A single pass over the text: one record at a time, tracking physical line numbers.</summary>
    private sealed class Parser(string text, string source)
    {
        private readonly StringPool _pool = new();
        private readonly StringBuilder _quoted = new();
        private readonly List<string?> _fields = [];
        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private bool _blank; // the last record was a blank line (one unquoted empty field)

        public CsvTable Run()
        {
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                _pos = _lineStart = 1;
            }

            if (text.AsSpan(_pos).IsWhiteSpace())
            {
                throw new InvalidDataException($"{source}: the file is empty; expected a header row of comma-separated column names");
            }

            ReadRecord(null);
            string[] columns = Header();
            var values = new List<string?>[columns.Length];
            for (int c = 0; c < values.Length; c++)
            {
                values[c] = [];
            }

            var lines = new List<int>();
            var blankLines = new List<int>();
            while (_pos < text.Length)
            {
                int rowLine = _line;
                ReadRecord(columns);
                if (_blank)
                {
                    blankLines.Add(rowLine); // a row only if something follows; blank lines at the end are ignored
                    continue;
                }

                foreach (int b in blankLines)
                {
                    if (columns.Length != 1)
                    {
                        throw new InvalidDataException(
                            $"{source}:{b}: the line is blank (1 field), expected {columns.Length} fields (the header has {columns.Length} columns)");
                    }

                    values[0].Add(null);
                    lines.Add(b);
                }

                blankLines.Clear();
                if (_fields.Count != columns.Length)
                {
                    throw new InvalidDataException(
                        $"{source}:{rowLine}: {Fields(_fields.Count)}, expected {columns.Length} (the header has {columns.Length} columns)");
                }

                for (int c = 0; c < columns.Length; c++)
                {
                    values[c].Add(_fields[c]);
                }

                lines.Add(rowLine);
            }

            int[] rowLines = [.. lines];
            var data = new string?[columns.Length][];
            var lineRefs = new int[columns.Length][];
            var sources = new string[columns.Length];
            for (int c = 0; c < columns.Length; c++)
            {
                data[c] = [.. values[c]];
                lineRefs[c] = rowLines;
                sources[c] = source;
            }

            return new CsvTable(source, columns, data, lineRefs, sources, rowLines.Length);
        }

        private static string Fields(int n) => n == 1 ? "1 field" : $"{n} fields";

        private string[] Header()
        {
            var columns = new string[_fields.Count];
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int c = 0; c < columns.Length; c++)
            {
                string? name = _fields[c];
                if (name is null || string.IsNullOrWhiteSpace(name))
                {
                    throw new InvalidDataException(
                        $"{source}:1: header column {c + 1} has an empty name; expected a name for every column of the header row");
                }

                if (seen.TryGetValue(name, out int first))
                {
                    throw new InvalidDataException(
                        $"{source}:1: duplicate column name '{name}' (header columns {first + 1} and {c + 1}); expected distinct names");
                }

                seen.Add(name, c);
                columns[c] = name;
            }

            return columns;
        }

        /// <summary>Reads one record into <see cref="_fields"/>, consuming its line break.</summary>
        private void ReadRecord(string[]? columns)
        {
            _fields.Clear();
            _blank = false;
            bool anyQuoted = false;
            while (true)
            {
                int start = _pos;
                while (_pos < text.Length && text[_pos] is ' ' or '\t')
                {
                    _pos++;
                }

                if (_pos < text.Length && text[_pos] == '"')
                {
                    anyQuoted = true;
                    _fields.Add(ReadQuoted(columns));
                }
                else
                {
                    _pos = start;
                    while (_pos < text.Length && text[_pos] is not (',' or '\n' or '\r'))
                    {
                        _pos++;
                    }

                    ReadOnlySpan<char> f = text.AsSpan(start, _pos - start).Trim();
                    _fields.Add(f.IsEmpty ? null : _pool.Get(f));
                }

                if (_pos >= text.Length)
                {
                    break;
                }

                char ch = text[_pos++];
                if (ch == ',')
                {
                    continue;
                }

                if (ch == '\r' && _pos < text.Length && text[_pos] == '\n')
                {
                    _pos++;
                }

                NewLine();
                break;
            }

            _blank = !anyQuoted && _fields.Count == 1 && _fields[0] is null;
        }

        private string? ReadQuoted(string[]? columns)
        {
            int openLine = _line, openCol = _pos - _lineStart + 1;
            _pos++;
            _quoted.Clear();
            while (true)
            {
                if (_pos >= text.Length)
                {
                    throw new InvalidDataException(
                        $"{source}:{openLine}: unterminated quoted field (the quote opened on line {openLine}, character {openCol}" +
                        $"{Field(columns)}); expected a closing '\"' before the end of the file");
                }

                char c = text[_pos++];
                if (c == '"')
                {
                    if (_pos < text.Length && text[_pos] == '"')
                    {
                        _quoted.Append('"');
                        _pos++;
                        continue;
                    }

                    break;
                }

                _quoted.Append(c);
                if (c == '\n' || (c == '\r' && (_pos >= text.Length || text[_pos] != '\n')))
                {
                    NewLine();
                }
            }

            while (_pos < text.Length && text[_pos] is ' ' or '\t')
            {
                _pos++;
            }

            if (_pos < text.Length && text[_pos] is not (',' or '\n' or '\r'))
            {
                throw new InvalidDataException(
                    $"{source}:{_line}: unexpected '{text[_pos]}' after the closing quote of a quoted field (character {_pos - _lineStart + 1}" +
                    $"{Field(columns)}); expected a comma or the end of the line (write \"\" for a quote inside a quoted field)");
            }

            return _quoted.Length == 0 ? null : _pool.Get(_quoted.ToString());
        }

        private string Field(string[]? columns)
        {
            int k = _fields.Count;
            return columns is not null && k < columns.Length ? $", field {k + 1}, column '{columns[k]}'" : $", field {k + 1}";
        }

        private void NewLine()
        {
            _line++;
            _lineStart = _pos;
        }
    }
}
