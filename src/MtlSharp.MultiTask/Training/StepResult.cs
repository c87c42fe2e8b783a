namespace MtlSharp.MultiTask.Training;

/// <summary>
/// What one update did: its number (updates done, 1-based), and the loss of each task present (NaN for none). The
/// arrays are the loop's own buffers, valid during the callbacks of this step: copy what you keep.
/// </summary>
/// <param name="Step">Updates done after this one.</param>
/// <param name="Tasks">The step's tasks.</param>
/// <param name="Losses">The unweighted loss of each of <paramref name="Tasks"/> (NaN where a task had no label in the batch).</param>
public readonly record struct StepResult(long Step, int[] Tasks, float[] Losses);
