using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;
using MtlSharp.NN.Checkpoints;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// The running loop as callbacks see it: the model, tasks and options, progress counters, and the requests a
/// callback can make (stop, checkpoint). Also saves the complete resumable state into a checkpoint folder.
/// </summary>
public sealed class TrainingRun
{
    private readonly Trainer _trainer;
    private readonly List<(ICheckpointWriter Writer, CheckpointKind Kind)> _pending = [];

    internal TrainingRun(Trainer trainer)
    {
        _trainer = trainer;
    }

    /// <summary>The model.</summary>
    public IMultiTaskModel Model => _trainer.Model;

    /// <summary>The tasks, in model order.</summary>
    public IReadOnlyList<TaskInfo> Tasks => _trainer.Data.Tasks;

    /// <summary>The loop's options.</summary>
    public TrainerOptions Options => _trainer.Options;

    /// <summary>The evaluator.</summary>
    public IEvaluator Evaluator => _trainer.Evaluator;

    /// <summary>Updates done.</summary>
    public long Step { get; internal set; }

    /// <summary>Updates planned.</summary>
    public long TotalSteps => _trainer.Options.TotalSteps;

    /// <summary>Training seconds so far (evaluation excluded; summed over resumed sessions).</summary>
    public double TrainSeconds => _trainer.TrainSeconds;

    /// <summary>Whether a callback asked the loop to stop (early stopping).</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Why the loop was asked to stop.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Whether the loop has finished its schedule (or stopped early by request) — not cancelled.</summary>
    public bool Finished { get; internal set; }

    /// <summary>Whether the run was cancelled (Ctrl-C) before finishing.</summary>
    public bool Cancelled { get; internal set; }

    /// <summary>The best validation score so far (−∞ before the first).</summary>
    public double BestScore { get; internal set; } = double.NegativeInfinity;

    /// <summary>The update of the best validation evaluation (0 before the first).</summary>
    public long BestStep { get; internal set; }

    /// <summary>Asks the loop to stop after the current step.</summary>
    public void RequestStop(string reason)
    {
        StopRequested = true;
        StopReason = reason;
    }

    internal void ClearStop()
    {
        StopRequested = false;
        StopReason = null;
    }

    /// <summary>Asks for a checkpoint once every callback has seen the current step.</summary>
    public void RequestCheckpoint(ICheckpointWriter writer, CheckpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (!_pending.Contains((writer, kind)))
        {
            _pending.Add((writer, kind));
        }
    }

    internal void WritePendingCheckpoints()
    {
        foreach (var (w, k) in _pending)
        {
            w.Write(this, k);
        }

        _pending.Clear();
    }

    /// <summary>The current learning rate of every optimizer group, named <c>opt{i}/group{j}</c>.</summary>
    public IReadOnlyList<(string Name, double Value)> LearningRates()
    {
        var list = new List<(string, double)>();
        for (int i = 0; i < Options.Optimizers.Count; i++)
        {
            var groups = Options.Optimizers[i].Groups;
            for (int j = 0; j < groups.Count; j++)
            {
                list.Add(($"opt{i}/group{j}", groups[j].LearningRate));
            }
        }

        return list;
    }

    /// <summary>
    /// Writes the complete resumable state into <paramref name="directory"/> (which must be new or empty): weights,
    /// every optimizer's state, the loop's and every part's state, then <c>checkpoint.json</c> with
    /// <paramref name="metadata"/>.
    /// </summary>
    public void SaveState(string directory, CheckpointMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Directory.CreateDirectory(directory);
        var bag = new StateBag();
        _trainer.SaveState(bag);
        bag.Save(directory);
        Checkpoint.Save(directory, Model.Module, Options.Optimizers, metadata with { Step = Step });
    }

    /// <summary>Writes only the weights (and optimizers) with <paramref name="metadata"/> into <paramref name="directory"/>.</summary>
    public void SaveWeights(string directory, CheckpointMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Checkpoint.Save(directory, Model.Module, Options.Optimizers, metadata with { Step = Step });
    }

    /// <summary>Parameters the loop updates: the model's, then the weighting strategy's.</summary>
    public IReadOnlyList<Parameter> AllParameters => _trainer.AllParameters;
}
