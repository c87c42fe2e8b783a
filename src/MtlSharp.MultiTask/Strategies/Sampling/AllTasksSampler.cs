using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>Every task in every step (LibMTL's default; the taggers, whose sentences carry every task's tags).</summary>
public sealed class AllTasksSampler : ITaskSampler
{
    private readonly int[] _all;

    /// <summary>Creates the sampler for <paramref name="taskCount"/> tasks.</summary>
    public AllTasksSampler(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _all = Enumerable.Range(0, taskCount).ToArray();
    }

    /// <inheritdoc/>
    public string Name => "all";

    /// <inheritdoc/>
    public bool OneTaskPerStep => _all.Length == 1;

    /// <inheritdoc/>
    public ReadOnlySpan<int> Next() => _all;

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
    }
}
