using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>Chooses the tasks of each training step. Its position is part of the saved state.</summary>
public interface ITaskSampler : IStatefulPart
{
    /// <summary>Stable name ("rounds", "all", "uniform", "proportional", "temperature").</summary>
    string Name { get; }

    /// <summary>Whether every step holds exactly one task (then gradient aggregation over tasks is meaningless).</summary>
    bool OneTaskPerStep { get; }

    /// <summary>The tasks of the next step (a view valid until the next call).</summary>
    ReadOnlySpan<int> Next();
}
