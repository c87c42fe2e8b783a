namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// One training step's data: a part per task present — one part (the one-task-per-batch regime of Gumbel-Matrix
/// routing), or several (all tasks every step), each with its own input or sharing one.
/// </summary>
public sealed class MultiTaskBatch
{
    /// <summary>Creates a batch from its parts (task indices must be distinct).</summary>
    public MultiTaskBatch(IReadOnlyList<TaskBatch> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("A multi-task batch needs at least one part.", nameof(parts));
        }

        for (int i = 0; i < parts.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (parts[i].Task == parts[j].Task)
                {
                    throw new ArgumentException($"Task {parts[i].Task} appears twice in one batch.", nameof(parts));
                }
            }
        }

        Parts = parts;
    }

    /// <summary>The parts, in the order the sampler chose the tasks.</summary>
    public IReadOnlyList<TaskBatch> Parts { get; }
}
