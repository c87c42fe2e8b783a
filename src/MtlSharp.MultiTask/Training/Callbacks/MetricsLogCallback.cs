using System.Globalization;
using System.Text;
using System.Text.Json;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// A metrics log in JSON lines (<c>metrics.jsonl</c>): one line per loss window
/// (<c>{"step":N,"kind":"loss","values":{"task":v,…}}</c>), one per evaluation
/// (<c>{"step":N,"kind":"valid","values":{…},"best":true}</c>), one at the end. A resumed run first cuts the file back
/// to its length at the checkpoint, so no line is written twice.
/// </summary>
public sealed class MetricsLogCallback : TrainingCallback, IDisposable
{
    private readonly string _path;
    private readonly LossCurveCallback _losses;
    private FileStream? _stream;

    /// <summary>Creates the log at <paramref name="path"/>, writing a line whenever <paramref name="losses"/> closes a window.</summary>
    public MetricsLogCallback(string path, LossCurveCallback losses)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        _losses = losses ?? throw new ArgumentNullException(nameof(losses));
        _losses.WindowClosed += OnWindow;
    }

    private TrainingRun? _run;

    /// <inheritdoc/>
    public override string Name => "metrics-log";

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run)
    {
        _run = run;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        _stream ??= new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        Write(evaluation.Step, evaluation.SplitName, run.Tasks.Select(t => t.Name).ToArray(), evaluation.Metrics, evaluation.IsBest);
    }

    /// <inheritdoc/>
    public override void OnEnd(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Write(run.Step, run.Cancelled ? "cancelled" : "end", ["trainSeconds"], [run.TrainSeconds], null);
        _stream?.Flush();
    }

    /// <summary>Writes a line of other measurements (e.g. <c>kind</c> "gradients") at update <paramref name="step"/>.</summary>
    public void WriteValues(long step, string kind, IReadOnlyList<(string Name, double Value)> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(values);
        Write(step, kind, values.Select(v => v.Name).ToArray(), values.Select(v => v.Value).ToArray(), null);
    }

    private void OnWindow(long step, double[] values)
    {
        if (_run is not null)
        {
            Write(step, "loss", _run.Tasks.Select(t => t.Name).ToArray(), values, null);
        }
    }

    private void Write(long step, string kind, string[] names, double[] values, bool? best)
    {
        if (_stream is null)
        {
            return;
        }

        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("step", step);
            w.WriteString("kind", kind);
            w.WriteStartObject("values");
            for (int i = 0; i < names.Length; i++)
            {
                if (double.IsFinite(values[i]))
                {
                    w.WriteNumber(names[i], values[i]);
                }
                else
                {
                    w.WriteNull(names[i]);
                }
            }

            w.WriteEndObject();
            if (best is { } b)
            {
                w.WriteBoolean("best", b);
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _stream?.Flush();
        bag.SetLong("length", _stream?.Length ?? (File.Exists(_path) ? new FileInfo(_path).Length : 0));
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _stream?.Dispose();
        _stream = null;
        LogFile.TruncateTo(_path, bag.GetLong("length"));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _losses.WindowClosed -= OnWindow;
        _stream?.Dispose();
        _stream = null;
    }
}
