using MtlSharp.Data.Tasks;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Training data that hands out one prepared sentence batch on every step, its parts built as
/// <see cref="SentenceTrainingData"/> builds them (every task on the shared <see cref="SentenceInput"/>) — so a
/// benchmark times the update, not the batching, as the old per-step benchmark did.
/// </summary>
internal sealed class FixedSentenceData(SentenceBatch batch, IReadOnlyList<TaskInfo> tasks) : ITrainingData
{
    private readonly SentenceInput _input = new(batch);

    public IReadOnlyList<TaskInfo> Tasks { get; } = tasks;

    public long? StepsPerEpoch => 1;

    public int TrainCount(int task) => batch.BatchSize;

    public MultiTaskBatch Next(ReadOnlySpan<int> tasks)
    {
        var parts = new TaskBatch[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int m = tasks[i];
            parts[i] = new TaskBatch(m, _input, new TaskTargets(batch.TagIds[m], null, batch.TagMasks[m], batch.BatchSize));
        }

        return new MultiTaskBatch(parts);
    }

    public void SaveState(StateBag bag)
    {
    }

    public void LoadState(StateBag bag)
    {
    }
}
