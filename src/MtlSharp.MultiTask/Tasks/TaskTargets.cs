using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// The labels of one task for one batch: class indices (<see cref="Labels"/>, classification and tagging) or real
/// values (<see cref="Values"/>, regression), and an optional per-sample (per-token) mask — 0 where the sample has no
/// label for this task, so a batch may mix samples with and without it. A task whose mask is all zero contributes
/// nothing to the loss (and no NaN).
/// </summary>
public sealed class TaskTargets
{
    /// <summary>Creates targets; exactly one of <paramref name="labels"/> and <paramref name="values"/> is given.</summary>
    /// <param name="labels">Class index per row (ignored where the mask is 0).</param>
    /// <param name="values">Regression target per row.</param>
    /// <param name="mask">1 (or a weight) where the row is labelled, 0 where not; null: every row is labelled.</param>
    /// <param name="sequences">For tagging: the number of sentences the rows belong to (token losses are summed per
    /// sentence and averaged over sentences); 0 for per-example tasks.</param>
    public TaskTargets(int[]? labels, float[]? values, float[]? mask = null, int sequences = 0)
    {
        if ((labels is null) == (values is null))
        {
            throw new ArgumentException("TaskTargets: give either class labels or regression values.");
        }

        Rows = labels?.Length ?? values!.Length;
        if (mask is not null && mask.Length != Rows)
        {
            throw new ArgumentException($"TaskTargets: a mask of {mask.Length} entries for {Rows} rows.", nameof(mask));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(sequences);
        Labels = labels;
        Values = values;
        Mask = mask;
        Sequences = sequences;
    }

    /// <summary>Rows (examples or tokens).</summary>
    public int Rows { get; }

    /// <summary>Class indices, or null.</summary>
    public int[]? Labels { get; }

    /// <summary>Regression targets, or null.</summary>
    public float[]? Values { get; }

    /// <summary>Per-row label mask, or null when every row is labelled.</summary>
    public float[]? Mask { get; }

    /// <summary>Sentences (tagging), or 0.</summary>
    public int Sequences { get; }

    /// <summary>Labelled rows (the mask's sum; <see cref="Rows"/> without a mask).</summary>
    public float Labelled => Mask is null ? Rows : FixedOrder.Sum(Mask);
}
