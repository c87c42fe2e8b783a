using System.Globalization;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>Stops the loop after <see cref="Patience"/> validation evaluations in a row without a better score.</summary>
public sealed class EarlyStoppingCallback : TrainingCallback
{
    private int _sinceBest;

    /// <summary>Creates the callback.</summary>
    public EarlyStoppingCallback(int patience)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        Patience = patience;
    }

    /// <summary>Evaluations without improvement before stopping.</summary>
    public int Patience { get; }

    /// <inheritdoc/>
    public override string Name => "early-stopping";

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (evaluation.Split != EvaluationSplit.Validation)
        {
            return;
        }

        _sinceBest = evaluation.IsBest ? 0 : _sinceBest + 1;
        if (_sinceBest >= Patience)
        {
            run.RequestStop(string.Create(CultureInfo.InvariantCulture, $"no better validation score in {Patience} evaluations (best at update {run.BestStep})"));
        }
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("sinceBest", _sinceBest);
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _sinceBest = (int)bag.GetLong("sinceBest");
    }
}
