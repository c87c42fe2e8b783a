using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Training.State;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// The training side of a run's data: the tasks, and batches for whichever tasks the sampler picked. Each task keeps
/// its own data order; the order's position is part of the saved state so a resumed run sees the same batches.
/// </summary>
public interface ITrainingData : IStatefulPart
{
    /// <summary>The tasks, in the model's order.</summary>
    IReadOnlyList<TaskInfo> Tasks { get; }

    /// <summary>Training examples of a task (for size-proportional sampling).</summary>
    int TrainCount(int task);

    /// <summary>Steps in one pass over the training data when every step draws every task (null when passes are per task).</summary>
    long? StepsPerEpoch { get; }

    /// <summary>The next batch holding <paramref name="tasks"/>.</summary>
    MultiTaskBatch Next(ReadOnlySpan<int> tasks);
}
