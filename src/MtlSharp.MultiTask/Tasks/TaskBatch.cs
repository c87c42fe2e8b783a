namespace MtlSharp.MultiTask.Tasks;

/// <summary>One task's part of a multi-task batch: which task, its input, its targets.</summary>
/// <param name="Task">Task index.</param>
/// <param name="Input">The input (possibly shared with other parts).</param>
/// <param name="Targets">The task's labels and mask for these rows.</param>
public sealed record TaskBatch(int Task, BatchInput Input, TaskTargets Targets);
