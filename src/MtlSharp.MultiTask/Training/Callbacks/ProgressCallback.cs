using System.Globalization;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>Reports progress (updates, training time, recent mean loss) every <see cref="Every"/> updates, at evaluations and at the end.</summary>
public sealed class ProgressCallback(IProgress<TrainingProgress> progress, int every = 50) : TrainingCallback
{
    private double _sum;
    private int _count;

    /// <summary>Updates between reports.</summary>
    public int Every { get; } = every > 0 ? every : throw new ArgumentOutOfRangeException(nameof(every));

    /// <inheritdoc/>
    public override string Name => "progress";

    /// <inheritdoc/>
    public override void OnStart(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Step > 0)
        {
            progress.Report(new TrainingProgress(run.Step, run.TotalSteps, run.TrainSeconds, double.NaN, $"resumed at update {run.Step}"));
        }
    }

    /// <inheritdoc/>
    public override void OnStep(TrainingRun run, in StepResult step)
    {
        ArgumentNullException.ThrowIfNull(run);
        foreach (float l in step.Losses)
        {
            if (!float.IsNaN(l))
            {
                _sum += l;
                _count++;
            }
        }

        if (step.Step % Every == 0 || step.Step == run.TotalSteps)
        {
            Flush(run, null);
        }
    }

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        var parts = run.Tasks.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {evaluation.Metrics[i]:G4}"));
        Flush(run, $"update {evaluation.Step}: {evaluation.SplitName} {string.Join(", ", parts)}{(evaluation.IsBest ? " (best)" : "")}");
    }

    /// <inheritdoc/>
    public override void OnEnd(TrainingRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.StopRequested && run.Step < run.TotalSteps)
        {
            Flush(run, $"stopped early at update {run.Step}: {run.StopReason}");
        }
    }

    private void Flush(TrainingRun run, string? message)
    {
        progress.Report(new TrainingProgress(run.Step, run.TotalSteps, run.TrainSeconds, _count > 0 ? _sum / _count : double.NaN, message));
        _sum = 0;
        _count = 0;
    }
}
