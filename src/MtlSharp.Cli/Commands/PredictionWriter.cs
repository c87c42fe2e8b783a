using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MtlSharp.Data.Tasks;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// Writes <c>mtl predict</c>'s results, one line per input record (per token for taggers): CSV (a header, then
/// <c>record[,file],TASK…</c>, or <c>record,line,token,word,TASK…</c>) or JSON lines. Classification: the predicted class and the softmax probability of every class; multi-label: the
/// sigmoid probability of every label; regression: the value in the label column's units.
/// </summary>
internal sealed class PredictionWriter
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
    private readonly TextWriter _out;
    private readonly bool _json;
    private readonly IReadOnlyList<PredictedTask> _tasks;
    private readonly bool _withFile;
    private readonly StringBuilder _line = new();

    /// <summary>A writer of one line per record (<paramref name="withFile"/>: with the record's file name), or per token (<paramref name="tokens"/>).</summary>
    public PredictionWriter(TextWriter output, bool json, IReadOnlyList<PredictedTask> tasks, bool withFile, bool tokens = false)
    {
        _out = output;
        _json = json;
        _tasks = tasks;
        _withFile = withFile;
        if (!json)
        {
            var header = new List<string> { "record" };
            if (withFile)
            {
                header.Add("file");
            }

            if (tokens)
            {
                header.AddRange(["line", "token", "word"]);
            }

            foreach (var t in tasks)
            {
                if (t.Kind != TaskKind.MultiLabel)
                {
                    header.Add(t.Name);
                }

                if (t.Kind != TaskKind.Regression)
                {
                    header.AddRange(t.Names.Select(n => $"{t.Name}:{n}"));
                }
            }

            _out.WriteLine(string.Join(",", header.Select(Csv)));
        }
    }

    /// <summary>Records written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes row <paramref name="row"/> of a chunk: <paramref name="outputs"/>[task] holds [rows × task outputs] raw model outputs.</summary>
    public void Write(long record, string? file, float[][] outputs, int row)
    {
        _line.Clear();
        if (_json)
        {
            _line.Append("{\"record\":").Append(record.ToString(Ci));
            if (_withFile)
            {
                _line.Append(",\"file\":").Append(Json(file ?? ""));
            }
        }
        else
        {
            _line.Append(record.ToString(Ci));
            if (_withFile)
            {
                _line.Append(',').Append(Csv(file ?? ""));
            }
        }

        AppendTasks(outputs, row);
    }

    /// <summary>
    /// Writes token <paramref name="token"/> (1-based) of sentence <paramref name="record"/>, read at line
    /// <paramref name="line"/>: row <paramref name="row"/> of every task's outputs.
    /// </summary>
    public void WriteToken(long record, long line, int token, string word, float[][] outputs, int row)
    {
        _line.Clear();
        if (_json)
        {
            _line.Append("{\"record\":").Append(record.ToString(Ci))
                .Append(",\"line\":").Append(line.ToString(Ci))
                .Append(",\"token\":").Append(token.ToString(Ci))
                .Append(",\"word\":").Append(Json(word));
        }
        else
        {
            _line.Append(record.ToString(Ci)).Append(',').Append(line.ToString(Ci)).Append(',').Append(token.ToString(Ci)).Append(',').Append(Csv(word));
        }

        AppendTasks(outputs, row);
    }

    private void AppendTasks(float[][] outputs, int row)
    {
        for (int i = 0; i < _tasks.Count; i++)
        {
            var t = _tasks[i];
            int width = t.Kind == TaskKind.Regression ? 1 : t.Names.Count;
            ReadOnlySpan<float> y = outputs[i].AsSpan(row * width, width);
            if (t.Kind == TaskKind.Regression)
            {
                string v = ((y[0] * t.Std) + t.Mean).ToString("R", Ci);
                if (_json)
                {
                    _line.Append(',').Append(Json(t.Name)).Append(":{\"value\":").Append(v).Append('}');
                }
                else
                {
                    _line.Append(',').Append(v);
                }

                continue;
            }

            var probs = t.Kind == TaskKind.Classification ? Probabilities.Softmax(y) : Probabilities.Sigmoid(y);
            if (_json)
            {
                _line.Append(',').Append(Json(t.Name)).Append(":{");
                if (t.Kind == TaskKind.Classification)
                {
                    _line.Append("\"label\":").Append(Json(t.Names[Probabilities.ArgMax(y)])).Append(',');
                }

                _line.Append("\"probabilities\":{");
                for (int k = 0; k < probs.Length; k++)
                {
                    _line.Append(k > 0 ? "," : "").Append(Json(t.Names[k])).Append(':').Append(probs[k].ToString("R", Ci));
                }

                _line.Append("}}");
            }
            else
            {
                if (t.Kind == TaskKind.Classification)
                {
                    _line.Append(',').Append(Csv(t.Names[Probabilities.ArgMax(y)]));
                }

                foreach (double q in probs)
                {
                    _line.Append(',').Append(q.ToString("R", Ci));
                }
            }
        }

        if (_json)
        {
            _line.Append('}');
        }

        _out.WriteLine(_line);
        Count++;
    }

    private static string Json(string s) => "\"" + JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\"";

    private static string Csv(string s) =>
        s.Length > 0 && (s.AsSpan().IndexOfAny(",\"\r\n") >= 0 || char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]))
            ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : s;
}
