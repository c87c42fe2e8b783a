using System.Globalization;
using System.Text;

namespace MtlSharp.Data.Tabular;

/// <summary>
/// Reads a CSV file one record at a time, with the dialect of <see cref="CsvTable"/> (RFC 4180 quoting, CRLF/LF/CR
/// line ends, a UTF-8 byte-order mark, trimmed unquoted fields, empty fields as null), holding only the current record
/// in memory: for inputs too large to load. Blank lines are skipped. Every record knows the physical line it starts on.
/// </summary>
/// <remarks>
/// A malformed record (a wrong number of fields, text after a closing quote) throws <see cref="InvalidDataException"/>
/// whose message starts with <c>PATH:LINE:</c>, after the reader has moved past it, so the caller may report it and
/// call <see cref="Read"/> again. An unterminated quote or invalid UTF-8 consumes the rest of the input: the next
/// <see cref="Read"/> returns false.
/// </remarks>
public sealed class CsvRecordReader : IDisposable
{
    private readonly TextReader _reader;
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _text = new();
    private readonly List<string?> _fields = [];
    private readonly string[] _columns;
    private int _pos;
    private int _end;
    private int _line = 1;
    private bool _eof;

    /// <summary>Reads the header of <paramref name="reader"/>; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">The input is empty, or its header is malformed.</exception>
    public CsvRecordReader(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        _reader = reader;
        Source = source;
        if (Peek() == '\uFEFF')
        {
            _pos++;
        }

        if (Peek() < 0)
        {
            throw new InvalidDataException($"{source}: the file is empty; expected a header row of comma-separated column names");
        }

        ReadFields();
        _columns = new string[_fields.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < _columns.Length; c++)
        {
            string? name = _fields[c];
            if (name is null || string.IsNullOrWhiteSpace(name))
            {
                throw new InvalidDataException($"{source}:1: header column {c + 1} has an empty name; expected a name for every column of the header row");
            }

            if (!seen.TryAdd(name, c))
            {
                throw new InvalidDataException($"{source}:1: duplicate column name '{name}' (header columns {seen[name] + 1} and {c + 1}); expected distinct names");
            }

            _columns[c] = name;
        }

        _fields.Clear();
    }

    /// <summary>The name used in messages (the file path).</summary>
    public string Source { get; }

    /// <summary>The header names, in file order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The fields of the current record (null where a field is empty); valid after <see cref="Read"/> returned true.</summary>
    public IReadOnlyList<string?> Fields => _fields;

    /// <summary>The 1-based physical line the current (or last malformed) record starts on.</summary>
    public int Line { get; private set; }

    /// <summary>How many data records have been read so far, malformed ones included: the current record's 1-based number.</summary>
    public long Record { get; private set; }

    /// <summary><c>PATH:LINE</c> of the current record, for messages.</summary>
    public string Location => $"{Source}:{Line.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Opens <paramref name="path"/> (plain or gzip-compressed UTF-8, see <see cref="DataFile.OpenRead"/>) and reads its header.</summary>
    public static CsvRecordReader Open(string path)
    {
        var stream = DataFile.OpenRead(path);
        try
        {
            return new CsvRecordReader(new StreamReader(stream, new UTF8Encoding(false, true), true, 1 << 16), path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves to the next record; false at the end of the input. A malformed record throws
    /// <see cref="InvalidDataException"/> (see the remarks); the reader is then past it.
    /// </summary>
    public bool Read()
    {
        while (true)
        {
            if (Peek() < 0)
            {
                _fields.Clear();
                return false;
            }

            Line = _line;
            bool anyQuoted = ReadFields();
            if (!anyQuoted && _fields.Count == 1 && _fields[0] is null)
            {
                continue;   // a blank line
            }

            Record++;
            if (_fields.Count != _columns.Length)
            {
                throw new InvalidDataException(
                    $"{Location}: {Plural(_fields.Count, "field")}, expected {_columns.Length} (the header has {_columns.Length} columns)");
            }

            return true;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _reader.Dispose();

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n.ToString(CultureInfo.InvariantCulture)} {what}s";

    /// <summary>Reads one record into <see cref="_fields"/>, consuming its line break; true when a field was quoted.</summary>
    private bool ReadFields()
    {
        _fields.Clear();
        bool anyQuoted = false;
        while (true)
        {
            while (Peek() is ' ' or '\t')
            {
                _pos++;
            }

            if (Peek() == '"')
            {
                anyQuoted = true;
                _fields.Add(ReadQuoted());
            }
            else
            {
                _text.Clear();
                while (Peek() is >= 0 and not (',' or '\n' or '\r'))
                {
                    _text.Append(Next());
                }

                int start = 0, end = _text.Length;
                while (start < end && char.IsWhiteSpace(_text[start]))
                {
                    start++;
                }

                while (end > start && char.IsWhiteSpace(_text[end - 1]))
                {
                    end--;
                }

                _fields.Add(end == start ? null : _text.ToString(start, end - start));
            }

            int ch = Peek();
            if (ch < 0)
            {
                return anyQuoted;
            }

            _pos++;
            if (ch == ',')
            {
                continue;
            }

            if (ch == '\r' && Peek() == '\n')
            {
                _pos++;
            }

            _line++;
            return anyQuoted;
        }
    }

    private string? ReadQuoted()
    {
        int openLine = _line;
        _pos++;
        _text.Clear();
        while (true)
        {
            int c = Peek();
            if (c < 0)
            {
                Record++;
                throw new InvalidDataException(
                    $"{Source}:{openLine.ToString(CultureInfo.InvariantCulture)}: unterminated quoted field (field {_fields.Count + 1}); expected a closing '\"' before the end of the file");
            }

            _pos++;
            if (c == '"')
            {
                if (Peek() == '"')
                {
                    _text.Append('"');
                    _pos++;
                    continue;
                }

                break;
            }

            _text.Append((char)c);
            if (c == '\n' || (c == '\r' && Peek() != '\n'))
            {
                _line++;
            }
        }

        while (Peek() is ' ' or '\t')
        {
            _pos++;
        }

        if (Peek() is >= 0 and not (',' or '\n' or '\r'))
        {
            char bad = (char)Peek();
            int line = _line;
            while (Peek() is >= 0 and not ('\n' or '\r'))
            {
                _pos++;
            }

            if (Peek() == '\r')
            {
                _pos++;
                if (Peek() == '\n')
                {
                    _pos++;
                }
            }
            else if (Peek() == '\n')
            {
                _pos++;
            }

            _line++;
            Record++;
            throw new InvalidDataException(
                $"{Source}:{line.ToString(CultureInfo.InvariantCulture)}: unexpected '{bad}' after the closing quote of a quoted field (field {_fields.Count + 1}); " +
                "expected a comma or the end of the line (write \"\" for a quote inside a quoted field)");
        }

        return _text.Length == 0 ? null : _text.ToString();
    }

    private char Next() => _buffer[_pos++];

    /// <summary>The next character without consuming it, or -1 at the end of the input.</summary>
    private int Peek()
    {
        if (_pos < _end)
        {
            return _buffer[_pos];
        }

        if (_eof)
        {
            return -1;
        }

        try
        {
            _end = _reader.Read(_buffer, 0, _buffer.Length);
        }
        catch (DecoderFallbackException e)
        {
            _eof = true;
            _end = _pos = 0;
            throw new InvalidDataException($"{Source}:{_line.ToString(CultureInfo.InvariantCulture)}: the file is not valid UTF-8 ({e.Message})", e);
        }

        _pos = 0;
        if (_end <= 0)
        {
            _eof = true;
            _end = 0;
            return -1;
        }

        return _buffer[0];
    }
}
