using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>Argument checks the loss weightings share.</summary>
internal static class WeightingChecks
{
    /// <summary>Throws unless there is one loss per task index, at least one, each index below <paramref name="taskCount"/>.</summary>
    public static void Check(string name, int taskCount, ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses)
    {
        if (tasks.Length != losses.Length || tasks.Length == 0)
        {
            throw new ArgumentException($"{name}: {losses.Length} losses for {tasks.Length} task indices.", nameof(losses));
        }

        foreach (int m in tasks)
        {
            if ((uint)m >= (uint)taskCount)
            {
                throw new ArgumentOutOfRangeException(nameof(tasks), $"{name}: task {m} of {taskCount}.");
            }
        }
    }
}
