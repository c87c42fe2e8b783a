using MtlSharp.MultiTask.Reporting.TensorBoard;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// TensorBoard event files in <see cref="LogDirectory"/> (<c>tensorboard --logdir runs</c>): per-task training losses
/// (<c>loss/TASK</c>) at every loss window, learning rates (<c>lr/opt0/group0</c>), the model's sharing scalars
/// (<c>allocation/…</c>, <c>alpha/…</c>, <c>beta/…</c>), and every evaluation's metrics (<c>valid/TASK</c>). A resumed
/// run cuts the earlier session's file back to its checkpoint length and continues in a new file.
/// </summary>
public sealed class TensorBoardCallback : TrainingCallback, IDisposable
{
    private readonly LossCurveCallback _losses;
    private TensorBoardWriter? _writer;
    private TrainingRun? _run;
    private readonly List<(string Path, long Length)> _files = [];

    /// <summary>Creates the callback; loss scalars are written whenever <paramref name="losses"/> closes a window.</summary>
    public TensorBoardCallback(string logDirectory, LossCurveCallback losses)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDirectory);
        LogDirectory = logDirectory;
        _losses = losses ?? throw new ArgumentNullException(nameof(losses));
        _losses.WindowClosed += OnWindow;
    }

    /// <summary>The folder of the event files.</summary>
    public string LogDirectory { get; }

    /// <inheritdoc/>
    public override string Name => "tensorboard";

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run)
    {
        _run = run;
        _writer ??= new TensorBoardWriter(LogDirectory);
        _files.Add((_writer.FilePath, 0));
    }

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        var values = new List<(string, float)>();
        for (int t = 0; t < run.Tasks.Count; t++)
        {
            values.Add(($"{evaluation.SplitName}/{run.Tasks[t].Name}", (float)evaluation.Metrics[t]));
        }

        _writer?.AddScalars(evaluation.Step, values);
    }

    /// <inheritdoc/>
    public override void OnEnd(TrainingRun run) => _writer?.Flush();

    /// <summary>Writes other scalars (e.g. <c>gradients/LAYER/cosine</c>) at update <paramref name="step"/>; non-finite values are skipped.</summary>
    public void AddScalars(long step, IReadOnlyList<(string Name, double Value)> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _writer?.AddScalars(step, values.Where(v => double.IsFinite(v.Value)).Select(v => (v.Name, (float)v.Value)).ToList());
    }

    private void OnWindow(long step, double[] losses)
    {
        if (_run is null || _writer is null)
        {
            return;
        }

        var values = new List<(string, float)>();
        for (int t = 0; t < losses.Length; t++)
        {
            if (!double.IsNaN(losses[t]))
            {
                values.Add(($"loss/{_run.Tasks[t].Name}", (float)losses[t]));
            }
        }

        foreach (var (name, v) in _run.LearningRates())
        {
            values.Add(($"lr/{name}", (float)v));
        }

        foreach (var (name, v) in _run.Model.SharingScalars())
        {
            values.Add((name, (float)v));
        }

        _writer.AddScalars(step, values);
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _writer?.Flush();
        var files = _files.Select(f => (f.Path, File.Exists(f.Path) ? new FileInfo(f.Path).Length : 0)).ToList();
        bag.SetLong("files", files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            bag.SetString($"path{i}", Path.GetFileName(files[i].Path));
            bag.SetLong($"length{i}", files[i].Item2);
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _files.Clear();
        long n = bag.GetLong("files");
        for (int i = 0; i < n; i++)
        {
            string path = Path.Combine(LogDirectory, bag.GetString($"path{i}"));
            long length = bag.GetLong($"length{i}");
            LogFile.TruncateTo(path, length);
            _files.Add((path, length));
        }

        // Files of sessions after the checkpoint (killed before they saved one) hold only repeated steps.
        if (Directory.Exists(LogDirectory))
        {
            foreach (string f in Directory.EnumerateFiles(LogDirectory, "events.out.tfevents.*"))
            {
                if (!_files.Any(k => string.Equals(Path.GetFullPath(k.Path), Path.GetFullPath(f), StringComparison.Ordinal)))
                {
                    File.Delete(f);
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _losses.WindowClosed -= OnWindow;
        _writer?.Dispose();
        _writer = null;
    }
}
