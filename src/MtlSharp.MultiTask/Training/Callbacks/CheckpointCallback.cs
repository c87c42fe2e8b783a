using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// Writes <c>last</c> (the complete resumable state) every <see cref="EverySteps"/> updates and every
/// <see cref="EverySeconds"/> seconds of training, after every evaluation and at the end; and <c>best</c> (weights)
/// at each new best validation score. Each folder is written as a unit (<see cref="CheckpointFolder"/>).
/// </summary>
public sealed class CheckpointCallback : TrainingCallback, ICheckpointWriter
{
    private readonly Stopwatch _sinceSave = new();
    private bool _savedOnStop;

    /// <summary>Creates the callback writing under <paramref name="directory"/> (e.g. <c>runs/x/checkpoints</c>).</summary>
    public CheckpointCallback(string directory, IReadOnlyDictionary<string, string> tags, JsonElement? config = null, long everySteps = 0, double everySeconds = 120)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(everySteps);
        if (!(everySeconds >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(everySeconds), everySeconds, "Checkpoint interval must be non-negative.");
        }

        Directory = directory;
        Tags = tags ?? throw new ArgumentNullException(nameof(tags));
        Config = config;
        EverySteps = everySteps;
        EverySeconds = everySeconds;
    }

    /// <summary>The checkpoints folder.</summary>
    public string Directory { get; }

    /// <summary>Strings stored in every checkpoint's metadata (preset, method, seed…).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>The run's configuration, stored in every checkpoint's metadata.</summary>
    public JsonElement? Config { get; }

    /// <summary>Save <c>last</c> every this many updates (0: not by count).</summary>
    public long EverySteps { get; }

    /// <summary>Save <c>last</c> every this many seconds of training (0: not by time).</summary>
    public double EverySeconds { get; }

    /// <summary>
    /// When this token is cancelled (a stop request), <c>last</c> is written once at the end of the update in
    /// progress, before the loop stops (data parallelism: the processes agree on the stop and stop one update later,
    /// and mpirun may kill them before that on Ctrl-C; every process holds the same state after every update, so rank
    /// 0's is the job's). Default: none.
    /// </summary>
    public CancellationToken SaveOnStop { get; init; }

    /// <summary>The folder of the resumable state.</summary>
    public string LastDirectory => Path.Combine(Directory, "last");

    /// <summary>The folder of the best weights.</summary>
    public string BestDirectory => Path.Combine(Directory, "best");

    /// <inheritdoc/>
    public override string Name => "checkpoint";

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run) => _sinceSave.Restart();

    /// <inheritdoc/>
    public override void OnStep(TrainingRun run, in StepResult step)
    {
        ArgumentNullException.ThrowIfNull(run);
        bool stop = SaveOnStop.IsCancellationRequested && !_savedOnStop;
        if (stop || (EverySteps > 0 && step.Step % EverySteps == 0) || (EverySeconds > 0 && _sinceSave.Elapsed.TotalSeconds >= EverySeconds))
        {
            _savedOnStop |= stop;
            run.RequestCheckpoint(this, CheckpointKind.Last);
        }
    }

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (evaluation.IsBest)
        {
            run.RequestCheckpoint(this, CheckpointKind.Best);
        }

        run.RequestCheckpoint(this, CheckpointKind.Last);
    }

    /// <inheritdoc/>
    public override void OnEnd(TrainingRun run) => run.RequestCheckpoint(this, CheckpointKind.Last);

    /// <inheritdoc/>
    public void Write(TrainingRun run, CheckpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(run);
        var metrics = new Dictionary<string, double>();
        if (double.IsFinite(run.BestScore))
        {
            metrics["bestScore"] = run.BestScore;
        }

        var extra = new Dictionary<string, string>(Tags)
        {
            ["finished"] = run.Finished ? "yes" : "no",
            ["bestStep"] = run.BestStep.ToString(CultureInfo.InvariantCulture),
        };
        var meta = new CheckpointMetadata { Metrics = metrics, Extra = extra, Config = Config };
        if (kind == CheckpointKind.Last)
        {
            CheckpointFolder.Write(LastDirectory, dir => run.SaveState(dir, meta));
            _sinceSave.Restart();
        }
        else
        {
            CheckpointFolder.Write(BestDirectory, dir => run.SaveWeights(dir, meta));
        }
    }
}
