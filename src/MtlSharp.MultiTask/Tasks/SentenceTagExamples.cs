using MtlSharp.Data.Text;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A per-token task's sentences (tagging) as <see cref="ITaskExamples"/>: the input of some rows is their padded
/// sentence batch, the targets its tag ids and mask for the batcher's task <c>taskIndex</c>, one row per token
/// position, summed per sentence in the loss. The batch of the last rows asked for is kept, so input and targets of
/// one step come from one batch.
/// </summary>
public sealed class SentenceTagExamples(IReadOnlyList<TaggedSentence> sentences, SentenceBatcher batcher, int taskIndex) : ITaskExamples
{
    private readonly IReadOnlyList<TaggedSentence> _sentences = sentences ?? throw new ArgumentNullException(nameof(sentences));
    private readonly SentenceBatcher _batcher = batcher ?? throw new ArgumentNullException(nameof(batcher));
    private int[]? _lastRows;
    private SentenceBatch? _last;

    /// <inheritdoc/>
    public int Count => _sentences.Count;

    /// <inheritdoc/>
    public BatchInput Input(int[] rows) => new SentenceInput(Batch(rows));

    /// <inheritdoc/>
    public TaskTargets Targets(int[] rows)
    {
        var b = Batch(rows);
        return new TaskTargets(b.TagIds[taskIndex], null, b.TagMasks[taskIndex], b.BatchSize);
    }

    private SentenceBatch Batch(int[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (_last is null || _lastRows is null || !rows.AsSpan().SequenceEqual(_lastRows))
        {
            _last = _batcher.Create(_sentences, rows);
            _lastRows = (int[])rows.Clone();
        }

        return _last;
    }
}
