using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// Training batches of tagged sentences, every task labelled on every sentence (spec B5, D16). Each epoch the
/// sentences are put in a random order, cut into pools of 20 batches whose sentences are sorted by length (less
/// padding), and the batches of all pools are visited in random order. A batch's parts share one
/// <see cref="SentenceInput"/>.
/// </summary>
public sealed class SentenceTrainingData : ITrainingData
{
    private readonly IReadOnlyList<TaggedSentence> _train;
    private readonly SentenceBatcher _batcher;
    private readonly int _batchSize;
    private readonly double _epochFraction;
    private readonly Rng _rng;
    private List<int[]> _epoch = [];
    private int _position;

    /// <summary>
    /// Creates the source. <paramref name="rng"/> draws the epoch orders (it may be shared with the model's noise, as
    /// the tagging presets do).
    /// </summary>
    public SentenceTrainingData(IReadOnlyList<TaggedSentence> train, SentenceBatcher batcher, IReadOnlyList<TaskInfo> tasks, int batchSize, double epochFraction, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(batcher);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (train.Count == 0)
        {
            throw new ArgumentException("No training sentences.", nameof(train));
        }

        if (!(epochFraction > 0 && epochFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epochFraction), epochFraction, "The fraction of sentences per epoch must be in (0, 1].");
        }

        _train = train;
        _batcher = batcher;
        _batchSize = batchSize;
        _epochFraction = epochFraction;
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
        Tasks = tasks;
        StepsPerEpoch = CountBatches();
        _position = 0;
    }

    /// <inheritdoc/>
    public IReadOnlyList<TaskInfo> Tasks { get; }

    /// <inheritdoc/>
    public long? StepsPerEpoch { get; }

    /// <summary>Sentences used per epoch.</summary>
    public int SentencesPerEpoch => Math.Max(1, (int)Math.Round(_train.Count * _epochFraction));

    /// <inheritdoc/>
    public int TrainCount(int task) => _train.Count;

    /// <summary>Training tokens handed out so far (for tokens per second).</summary>
    public long TokensServed { get; private set; }

    /// <inheritdoc/>
    public MultiTaskBatch Next(ReadOnlySpan<int> tasks)
    {
        if (_position >= _epoch.Count)
        {
            _epoch = EpochBatches();
            _position = 0;
        }

        var batch = _batcher.Create(_train, _epoch[_position++]);
        TokensServed += batch.NumTokens;
        var input = new SentenceInput(batch);
        var parts = new TaskBatch[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int m = tasks[i];
            parts[i] = new TaskBatch(m, input, new TaskTargets(batch.TagIds[m], null, batch.TagMasks[m], batch.BatchSize));
        }

        return new MultiTaskBatch(parts);
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetIndexArray("epochOrder", _epoch.SelectMany(b => b).ToArray());
        bag.SetInts("epochBatchSizes", _epoch.Select(b => b.Length).ToArray());
        bag.SetLong("position", _position);
        bag.SetLong("tokens", TokensServed);
        bag.SetRng("rng", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        int[] flat = bag.GetIndexArray("epochOrder");
        int[] sizes = bag.GetInts("epochBatchSizes");
        var epoch = new List<int[]>(sizes.Length);
        int at = 0;
        foreach (int n in sizes)
        {
            if (n < 0 || at + n > flat.Length)
            {
                throw new InvalidDataException("The saved epoch order is inconsistent with its batch sizes.");
            }

            epoch.Add(flat.AsSpan(at, n).ToArray());
            at += n;
        }

        if (flat.Any(i => (uint)i >= (uint)_train.Count))
        {
            throw new InvalidDataException($"The saved epoch order refers to sentences beyond the {_train.Count} of the training data.");
        }

        _epoch = epoch;
        _position = (int)bag.GetLong("position");
        TokensServed = bag.GetLong("tokens");
        bag.LoadRng("rng", _rng);
    }

    private long CountBatches()
    {
        int n = SentencesPerEpoch, pool = _batchSize * 20;
        long batches = 0;
        for (int start = 0; start < n; start += pool)
        {
            int len = Math.Min(pool, n - start);
            batches += (len + _batchSize - 1) / _batchSize;
        }

        return batches;
    }

    private List<int[]> EpochBatches()
    {
        int[] order = _rng.Permutation(_train.Count);
        int n = SentencesPerEpoch;
        int bs = _batchSize, pool = bs * 20;
        var batches = new List<int[]>();
        for (int start = 0; start < n; start += pool)
        {
            int len = Math.Min(pool, n - start);
            var chunk = order.AsSpan(start, len).ToArray();
            Array.Sort(chunk, (a, b) => _train[a].Length.CompareTo(_train[b].Length));
            for (int i = 0; i < len; i += bs)
            {
                batches.Add(chunk.AsSpan(i, Math.Min(bs, len - i)).ToArray());
            }
        }

        var shuffled = _rng.Permutation(batches.Count);
        return shuffled.Select(i => batches[i]).ToList();
    }
}
