using System.Globalization;
using MtlSharp.MultiTask.Evaluation;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl predict</c> with a tagger: sentences streamed from a CoNLL-U or plain-text file (<see cref="SentenceReader"/>)
/// in chunks, one output line per token; a bad sentence is reported on stderr with its file:line and sentence number
/// and skipped, or ends the command with <c>--strict</c>.
/// </summary>
internal sealed class TextPredictRun(TaggerPredictor predictor, IReadOnlyList<PredictedTask> tasks, bool strict)
{
    private const int ChunkSentences = 256;
    private const int ChunkTokens = 8192;

    private readonly List<IReadOnlyList<string>> _words = [];
    private readonly List<long[]> _lines = [];
    private readonly List<long> _records = [];
    private int _tokens;

    /// <summary>Sentences predicted.</summary>
    public long Written { get; private set; }

    /// <summary>Tokens predicted.</summary>
    public long Tokens { get; private set; }

    /// <summary>Tokens not in the training vocabulary (read as &lt;unk&gt;).</summary>
    public long Unknown { get; private set; }

    /// <summary>Bad sentences skipped.</summary>
    public long Bad { get; private set; }

    public void Sentences(string path, bool json, TextWriter output)
    {
        using var reader = SentenceReader.Open(path, SentenceReader.IsConllU(path));
        var writer = new PredictionWriter(output, json, tasks, withFile: false, tokens: true);
        while (reader.Read())
        {
            if (reader.Error is { } error)
            {
                Report(error, reader.Record);
                continue;
            }

            _words.Add([.. reader.Words]);
            _lines.Add([.. reader.TokenLines]);
            _records.Add(reader.Record);
            _tokens += reader.Words.Count;
            if (_words.Count == ChunkSentences || _tokens >= ChunkTokens)
            {
                Flush(writer);
            }
        }

        Flush(writer);
    }

    private void Report(string message, long record)
    {
        string where = string.Create(CultureInfo.InvariantCulture, $"sentence {record}");
        if (strict)
        {
            throw new InvalidDataException($"{message} ({where}; stopped by --strict)");
        }

        Bad++;
        Console.Error.WriteLine($"mtl: {message} ({where}; skipped)");
    }

    private void Flush(PredictionWriter writer)
    {
        if (_words.Count == 0)
        {
            return;
        }

        var all = predictor.Predict(_words);
        var outputs = tasks.Select(t => all[t.Index]).ToArray();
        int row = 0;
        for (int s = 0; s < _words.Count; s++)
        {
            var words = _words[s];
            for (int j = 0; j < words.Count; j++, row++)
            {
                writer.WriteToken(_records[s], _lines[s][j], j + 1, words[j], outputs, row);
                if (!predictor.IsKnownWord(words[j]))
                {
                    Unknown++;
                }
            }
        }

        Written += _words.Count;
        Tokens += row;
        _words.Clear();
        _lines.Clear();
        _records.Clear();
        _tokens = 0;
    }
}
