namespace MtlSharp.MultiTask.Training.State;

/// <summary>
/// A part of a training run that holds state a resumed run needs (samplers, data orders, callbacks, RNG streams).
/// <see cref="SaveState"/> writes it into its scope of the bag; <see cref="LoadState"/> restores exactly that state,
/// so that a resumed run continues bit for bit.
/// </summary>
public interface IStatefulPart
{
    /// <summary>Writes the state.</summary>
    void SaveState(StateBag bag);

    /// <summary>Restores the state written by <see cref="SaveState"/>.</summary>
    void LoadState(StateBag bag);
}
