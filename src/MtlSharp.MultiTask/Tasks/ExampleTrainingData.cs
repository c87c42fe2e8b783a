using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// Training batches from per-task examples of any input type (<see cref="ITaskExamples"/>): each task has its own
/// <see cref="EpochSampler"/> (own shuffled order, short last batch kept), and a batch holds one part per requested
/// task with that task's own examples and input — so one batch may hold sentences for one task and images or table
/// rows for another, as the sampler decides.
/// </summary>
public sealed class ExampleTrainingData : ITrainingData
{
    private readonly IReadOnlyList<ITaskExamples> _train;
    private readonly EpochSampler[] _samplers;

    /// <summary>Creates the source; task t's order is drawn from <paramref name="orderRngs"/>[t].</summary>
    public ExampleTrainingData(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<ITaskExamples> train, int batchSize, IReadOnlyList<Rng> orderRngs)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(orderRngs);
        if (train.Count != tasks.Count || orderRngs.Count != tasks.Count)
        {
            throw new ArgumentException($"{tasks.Count} tasks need as many example sets and random streams, got {train.Count} and {orderRngs.Count}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Tasks = tasks;
        _train = train;
        _samplers = train.Select((t, i) => new EpochSampler(t.Count, batchSize, orderRngs[i])).ToArray();
    }

    /// <inheritdoc/>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <inheritdoc/>
    public long? StepsPerEpoch => null;

    /// <inheritdoc/>
    public int TrainCount(int task) => _train[task].Count;

    /// <inheritdoc/>
    public MultiTaskBatch Next(ReadOnlySpan<int> tasks)
    {
        var parts = new TaskBatch[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            int[] rows = _samplers[t].Next().ToArray();
            parts[i] = new TaskBatch(t, _train[t].Input(rows), _train[t].Targets(rows));
        }

        return new MultiTaskBatch(parts);
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _samplers.Length; t++)
        {
            _samplers[t].SaveState(bag.Scope($"task{t}"));
        }
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        for (int t = 0; t < _samplers.Length; t++)
        {
            _samplers[t].LoadState(bag.Scope($"task{t}"));
        }
    }
}
