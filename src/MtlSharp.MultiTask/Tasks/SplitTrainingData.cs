using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// Training batches from per-task datasets (<see cref="TaskData"/>): each task has its own
/// <see cref="EpochSampler"/> (own shuffled order, short last batch kept), and a batch holds one part per requested
/// task, each with that task's own examples (LibMTL's multi-input mode; with one task per step, the Gumbel-Matrix
/// regime). An optional <see cref="PadCropAugmentation"/> augments every training batch's images (evaluation reads the
/// splits directly and is never augmented).
/// </summary>
public sealed class SplitTrainingData : ITrainingData
{
    private readonly IReadOnlyList<TaskData> _tasks;
    private readonly EpochSampler[] _samplers;
    private readonly TaskTargets?[] _targets;
    private readonly PadCropAugmentation? _augmentation;

    /// <summary>
    /// Creates the source; task <c>t</c>'s order is drawn from <paramref name="orderRngs"/>[t];
    /// <paramref name="augmentation"/> (null: none) transforms the images of every batch.
    /// </summary>
    public SplitTrainingData(IReadOnlyList<TaskData> tasks, int batchSize, IReadOnlyList<Rng> orderRngs, PadCropAugmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(orderRngs);
        if (orderRngs.Count != tasks.Count)
        {
            throw new ArgumentException($"{orderRngs.Count} random streams for {tasks.Count} tasks.", nameof(orderRngs));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _tasks = tasks;
        _samplers = tasks.Select((t, i) => new EpochSampler(t.Train.Count, batchSize, orderRngs[i])).ToArray();
        Tasks = tasks.Select(t => t.Info).ToArray();
        _targets = new TaskTargets?[tasks.Count];
        _augmentation = augmentation;
    }

    /// <inheritdoc/>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <inheritdoc/>
    public long? StepsPerEpoch => null;

    /// <inheritdoc/>
    public int TrainCount(int task) => _tasks[task].Train.Count;

    /// <inheritdoc/>
    public MultiTaskBatch Next(ReadOnlySpan<int> tasks)
    {
        var parts = new TaskBatch[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            var split = _tasks[t].Train;
            ReadOnlySpan<int> rows = _samplers[t].Next();
            var x = split.GatherInputs(rows);
            _augmentation?.Apply(x);
            parts[i] = new TaskBatch(t, new TensorInput(x), Gather(t, split, rows));
        }

        return new MultiTaskBatch(parts);
    }

    /// <summary>
    /// The rows' labels in a per-task buffer reused from step to step (a batch's targets are read within its step;
    /// a new buffer only when the batch size changes, e.g. the short last batch of an epoch).
    /// </summary>
    private TaskTargets Gather(int task, TaskSplit split, ReadOnlySpan<int> rows)
    {
        if (split.Mask is not null || split.TargetWidth != 1)
        {
            return SharedRowsTrainingData.Gather(split, rows);
        }

        var t = _targets[task];
        if (t is null || t.Rows != rows.Length)
        {
            t = split.Labels is not null ? new TaskTargets(new int[rows.Length], null) : new TaskTargets(null, new float[rows.Length]);
            _targets[task] = t;
        }

        if (split.Labels is { } labels)
        {
            var l = t.Labels!;
            for (int i = 0; i < l.Length; i++)
            {
                l[i] = labels[rows[i]];
            }
        }
        else
        {
            var v = t.Values!;
            for (int i = 0; i < v.Length; i++)
            {
                v[i] = split.Targets![rows[i]];
            }
        }

        return t;
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _samplers.Length; t++)
        {
            _samplers[t].SaveState(bag.Scope($"task{t}"));
        }

        _augmentation?.SaveState(bag.Scope("augmentation"));
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _samplers.Length; t++)
        {
            _samplers[t].LoadState(bag.Scope($"task{t}"));
        }

        _augmentation?.LoadState(bag.Scope("augmentation"));
    }
}
