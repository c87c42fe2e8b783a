using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// Training batches where every task labels the same examples (one table, several label columns: LibMTL's
/// single-input mode): one shuffled order over the rows, and each step's tasks all get the same rows — one input
/// tensor — with their own labels and per-row (per-entry) masks. A row without a label for a task is masked for
/// that task only; a task with no labelled row in a batch contributes no loss (and no NaN).
/// </summary>
public sealed class SharedRowsTrainingData : ITrainingData
{
    private readonly IReadOnlyList<TaskData> _tasks;
    private readonly EpochSampler _sampler;
    private readonly int _rows;

    /// <summary>Creates the source; every task's training split must hold the same inputs (the same array).</summary>
    public SharedRowsTrainingData(IReadOnlyList<TaskData> tasks, int batchSize, Rng orderRng)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(orderRng);
        if (tasks.Count == 0)
        {
            throw new ArgumentException("No tasks.", nameof(tasks));
        }

        var inputs = tasks[0].Train.Inputs;
        if (tasks.Any(t => !ReferenceEquals(t.Train.Inputs, inputs) || t.Train.Index is not null))
        {
            throw new ArgumentException("Every task's training split must share one input array (the rows of one table).", nameof(tasks));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _tasks = tasks;
        _rows = tasks[0].Train.Count;
        _sampler = new EpochSampler(_rows, batchSize, orderRng);
        Tasks = tasks.Select(t => t.Info).ToArray();
        StepsPerEpoch = (_rows + batchSize - 1) / batchSize;
    }

    /// <inheritdoc/>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <inheritdoc/>
    public long? StepsPerEpoch { get; }

    /// <summary>Labelled training rows of a task.</summary>
    public int TrainCount(int task)
    {
        var split = _tasks[task].Train;
        int n = 0;
        for (int i = 0; i < split.Count; i++)
        {
            n += split.IsLabelled(i) ? 1 : 0;
        }

        return n;
    }

    /// <inheritdoc/>
    public MultiTaskBatch Next(ReadOnlySpan<int> tasks)
    {
        ReadOnlySpan<int> rows = _sampler.Next();
        var input = new TensorInput(_tasks[0].Train.GatherInputs(rows));
        var parts = new TaskBatch[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            parts[i] = new TaskBatch(tasks[i], input, Gather(_tasks[tasks[i]].Train, rows));
        }

        return new MultiTaskBatch(parts);
    }

    /// <summary>The rows' targets and mask in fresh arrays.</summary>
    internal static TaskTargets Gather(TaskSplit split, ReadOnlySpan<int> rows)
    {
        int w = split.TargetWidth;
        float[]? mask = split.Mask is null ? null : new float[rows.Length * w];
        if (split.Labels is { } labels)
        {
            var l = new int[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                l[i] = labels[rows[i]];
                if (mask is not null)
                {
                    mask[i] = split.Mask![rows[i]];
                }
            }

            return new TaskTargets(l, null, mask);
        }

        var v = new float[rows.Length * w];
        for (int i = 0; i < rows.Length; i++)
        {
            split.Targets.AsSpan(rows[i] * w, w).CopyTo(v.AsSpan(i * w, w));
            if (mask is not null)
            {
                split.Mask.AsSpan(rows[i] * w, w).CopyTo(mask.AsSpan(i * w, w));
            }
        }

        return new TaskTargets(null, v, mask);
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _sampler.SaveState(bag.Scope("rows"));
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        _sampler.LoadState(bag.Scope("rows"));
    }
}
