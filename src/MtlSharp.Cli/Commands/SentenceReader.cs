using System.Globalization;
using System.Text;
using MtlSharp.Data;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// Reads sentences to tag from a text file, one at a time (the file is never loaded whole): CoNLL-U (a sentence per
/// block of token lines; comments, multiword-token ranges and empty nodes skipped; only ID and FORM are read) or plain
/// text (a sentence per non-blank line, tokens split on whitespace). Plain or gzip-compressed UTF-8. A malformed
/// sentence is still a record: <see cref="Error"/> says what is wrong and where (file:line), and reading goes on
/// after it.
/// </summary>
internal sealed class SentenceReader : IDisposable
{
    /// <summary>The most tokens a sentence may have.</summary>
    public const int MaxTokens = 1000;

    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
    private readonly TextReader _reader;
    private readonly string _path;
    private readonly bool _conllu;
    private readonly List<string> _words = [];
    private readonly List<long> _lines = [];
    private long _lineNo;

    private SentenceReader(TextReader reader, string path, bool conllu)
    {
        _reader = reader;
        _path = path;
        _conllu = conllu;
    }

    /// <summary>Opens <paramref name="path"/>; CoNLL-U when <paramref name="conllu"/>, else plain text.</summary>
    public static SentenceReader Open(string path, bool conllu)
    {
        var stream = DataFile.OpenRead(path);
        try
        {
            // Invalid UTF-8 becomes U+FFFD and is reported per sentence rather than ending the read.
            return new SentenceReader(new StreamReader(stream, new UTF8Encoding(false, false), true, 1 << 16), path, conllu);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="path"/> names a CoNLL-U file (<c>.conllu</c>, or <c>.conllu.gz</c>).</summary>
    public static bool IsConllU(string path) =>
        path.EndsWith(".conllu", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".conllu.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The current sentence's number (1-based, bad sentences counted).</summary>
    public long Record { get; private set; }

    /// <summary>The line the current sentence starts at (its first token line in CoNLL-U).</summary>
    public long Line { get; private set; }

    /// <summary>The current sentence's tokens (empty when it is bad).</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The line of each token.</summary>
    public IReadOnlyList<long> TokenLines => _lines;

    /// <summary>What is wrong with the current sentence (<c>file:line: what</c>), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>Moves to the next sentence; false at the end of the input.</summary>
    public bool Read()
    {
        _words.Clear();
        _lines.Clear();
        Error = null;
        return _conllu ? ReadConllU() : ReadPlain();
    }

    public void Dispose() => _reader.Dispose();

    private bool ReadPlain()
    {
        string? line;
        while ((line = _reader.ReadLine()) is not null)
        {
            _lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            Record++;
            Line = _lineNo;
            Error = Check(line);
            if (Error is null)
            {
                foreach (string w in line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    _words.Add(w);
                    _lines.Add(_lineNo);
                }

                if (_words.Count > MaxTokens)
                {
                    Fail(_lineNo, $"a sentence of {_words.Count} tokens; at most {MaxTokens}");
                }
            }

            return true;
        }

        return false;
    }

    private bool ReadConllU()
    {
        string? line;
        bool started = false;
        while ((line = _reader.ReadLine()) is not null)
        {
            _lineNo++;
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line))
            {
                if (started)
                {
                    return true;
                }

                continue;
            }

            if (line[0] == '#' || (Error is not null && started))
            {
                continue;   // a comment, or the rest of a bad sentence
            }

            if (!started)
            {
                started = true;
                Record++;
                Line = _lineNo;
            }

            if (Check(line) is { } bad)
            {
                Error = bad;
                continue;
            }

            string[] fields = line.Split('\t');
            if (fields.Length != 10)
            {
                Fail(_lineNo, $"{fields.Length} tab-separated fields, expected 10 (CoNLL-U: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC)");
                continue;
            }

            string id = fields[0];
            if (id.Contains('-', StringComparison.Ordinal) || id.Contains('.', StringComparison.Ordinal))
            {
                continue;   // a multiword token's range or an empty node: not a word of the sentence
            }

            if (!int.TryParse(id, NumberStyles.None, Ci, out int n))
            {
                Fail(_lineNo, $"invalid word ID '{id}'; expected a positive integer");
                continue;
            }

            if (n != _words.Count + 1)
            {
                Fail(_lineNo, $"word ID {n} is out of sequence; expected {_words.Count + 1}");
                continue;
            }

            if (fields[1].Length == 0)
            {
                Fail(_lineNo, "empty FORM");
                continue;
            }

            if (_words.Count == MaxTokens)
            {
                Fail(_lineNo, $"a sentence of more than {MaxTokens} tokens");
                continue;
            }

            _words.Add(fields[1]);
            _lines.Add(_lineNo);
        }

        return started;
    }

    private void Fail(long line, string what)
    {
        Error = string.Create(Ci, $"{_path}:{line}: {what}");
        _words.Clear();
        _lines.Clear();
    }

    /// <summary>Text that cannot be a sentence: undecodable bytes or binary data.</summary>
    private string? Check(string line)
    {
        int bad = line.AsSpan().IndexOfAny('\uFFFD', '\0');
        return bad < 0 ? null
            : line[bad] == '\0' ? string.Create(Ci, $"{_path}:{_lineNo}: a NUL character at column {bad + 1} (binary data?)")
            : string.Create(Ci, $"{_path}:{_lineNo}: not valid UTF-8 (column {bad + 1})");
    }
}
