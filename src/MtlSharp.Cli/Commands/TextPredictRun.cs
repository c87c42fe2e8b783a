using System.Globalization;
using MtlSharp.MultiTask.Evaluation;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// <c>mtl predict</c> on sentences (taggers, multi-input and sentence models): sentences streamed from a CoNLL-U or
/// plain-text file (<see cref="SentenceReader"/>) in chunks, one output line per token — or, when every task is
/// per sentence, one line per sentence; a per-sentence task's prediction is repeated on each of its tokens' lines
/// when per-token tasks are predicted with it. A bad sentence is reported on stderr with its file:line and sentence
/// number and skipped, or ends the command with <c>--strict</c>.
/// </summary>
/// <param name="predict">Every task's outputs for a chunk of sentences, indexed by model task (only the tasks predicted need be there).</param>
/// <param name="isKnownWord">Whether a word is in the training vocabulary (unknown words are counted for a note).</param>
/// <param name="tasks">The tasks to write.</param>
/// <param name="perSentence">Per task of <paramref name="tasks"/>: whether it predicts one row per sentence (else per token).</param>
/// <param name="strict">Stop at the first bad sentence.</param>
internal sealed class TextPredictRun(Func<IReadOnlyList<IReadOnlyList<string>>, float[][]> predict, Func<string, bool> isKnownWord, IReadOnlyList<PredictedTask> tasks, IReadOnlyList<bool> perSentence, bool strict)
{
    /// <summary>A tagger's run: every task per token.</summary>
    public TextPredictRun(TaggerPredictor predictor, IReadOnlyList<PredictedTask> tasks, bool strict)
        : this(predictor.Predict, predictor.IsKnownWord, tasks, [.. tasks.Select(_ => false)], strict)
    {
    }

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
        var writer = new PredictionWriter(output, json, tasks, withFile: false, tokens: !perSentence.All(p => p));
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

        var all = predict(_words);
        var outputs = tasks.Select(t => all[t.Index]).ToArray();
        if (perSentence.All(p => p))
        {
            for (int s = 0; s < _words.Count; s++)
            {
                writer.Write(_records[s], null, outputs, s);
                Tokens += _words[s].Count;
                Unknown += _words[s].Count(w => !isKnownWord(w));
            }

            Written += _words.Count;
            Clear();
            return;
        }

        for (int i = 0; i < outputs.Length; i++)
        {
            if (perSentence[i])
            {
                outputs[i] = PerToken(outputs[i], outputs[i].Length / _words.Count);
            }
        }

        int row = 0;
        for (int s = 0; s < _words.Count; s++)
        {
            var words = _words[s];
            for (int j = 0; j < words.Count; j++, row++)
            {
                writer.WriteToken(_records[s], _lines[s][j], j + 1, words[j], outputs, row);
                if (!isKnownWord(words[j]))
                {
                    Unknown++;
                }
            }
        }

        Written += _words.Count;
        Tokens += row;
        Clear();
    }

    /// <summary>A per-sentence output [sentences × width] repeated on each sentence's tokens: [tokens × width].</summary>
    private float[] PerToken(float[] perSentence, int width)
    {
        var result = new float[_tokens * width];
        int row = 0;
        for (int s = 0; s < _words.Count; s++)
        {
            for (int j = 0; j < _words[s].Count; j++, row++)
            {
                Array.Copy(perSentence, s * width, result, row * width, width);
            }
        }

        return result;
    }

    private void Clear()
    {
        _words.Clear();
        _lines.Clear();
        _records.Clear();
        _tokens = 0;
    }
}
