using MtlSharp.MultiTask.Training.State;
using MtlSharp.NN;

namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>
/// Keeps a copy of every trained parameter at the best validation evaluation; the loop ends with them
/// (<see cref="Restore"/>). The copy is part of the saved state, so a resumed run ends with the same parameters.
/// </summary>
public sealed class KeepBestCallback : TrainingCallback
{
    private float[][]? _best;

    /// <inheritdoc/>
    public override string Name => "keep-best";

    /// <inheritdoc/>
    public override void OnEvaluation(TrainingRun run, EvaluationResult evaluation)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(evaluation);
        if (evaluation.IsBest)
        {
            _best = run.AllParameters.Select(p => p.Data.ToArray()).ToArray();
        }
    }

    /// <summary>Copies the best parameters back; false when there was no validation evaluation.</summary>
    public bool Restore(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (_best is null)
        {
            return false;
        }

        for (int i = 0; i < parameters.Count; i++)
        {
            _best[i].CopyTo(parameters[i].Data);
        }

        return true;
    }

    /// <inheritdoc/>
    public override void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetLong("count", _best?.Length ?? -1);
        for (int i = 0; _best is not null && i < _best.Length; i++)
        {
            bag.SetArray($"p{i}", _best[i]);
        }
    }

    /// <inheritdoc/>
    public override void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        long n = bag.GetLong("count");
        _best = n < 0 ? null : Enumerable.Range(0, (int)n).Select(i => bag.GetArray($"p{i}")).ToArray();
    }
}
