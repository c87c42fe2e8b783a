namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A dense split (<see cref="TaskSplit"/>: images, CSV rows — what the idx-images, multi-mnist, omniglot and csv
/// sources load) as <see cref="ITaskExamples"/>, so those tasks can join sentence tasks in one multi-input run.
/// </summary>
public sealed class SplitExamples(TaskSplit split) : ITaskExamples
{
    private readonly TaskSplit _split = split ?? throw new ArgumentNullException(nameof(split));

    /// <inheritdoc/>
    public int Count => _split.Count;

    /// <inheritdoc/>
    public BatchInput Input(int[] rows) => new TensorInput(_split.GatherInputs(rows));

    /// <inheritdoc/>
    public TaskTargets Targets(int[] rows) => SharedRowsTrainingData.Gather(_split, rows);
}
