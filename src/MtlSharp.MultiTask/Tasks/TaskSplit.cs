using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// One split of one task: <see cref="Count"/> examples of shape <see cref="SampleShape"/> stored row-major in
/// <see cref="Inputs"/>, with class <see cref="Labels"/> (classification) or real <see cref="Targets"/> (regression:
/// one per example; multi-label: <see cref="TargetWidth"/> 0/1 values per example), and an optional label
/// <see cref="Mask"/> (0 where an example has no label for this task; multi-label: per label entry). Arrays may be
/// shared between tasks (the two copies of MNIST share theirs; the tasks of a CSV file share its inputs). With an
/// <see cref="Index"/>, example i is row <c>Index[i]</c> of <see cref="Inputs"/>, so tasks that each take some of the
/// images of one dataset (leave-one-class-out tasks) share one input array instead of copying their rows.
/// </summary>
public sealed class TaskSplit
{
    /// <summary>
    /// Creates a split, validating that the arrays agree; <paramref name="index"/> (one entry per example) picks each
    /// example's row of <paramref name="inputs"/> (null: example i is row i, and the inputs hold exactly the examples).
    /// </summary>
    public TaskSplit(float[] inputs, int[] sampleShape, int[]? labels, float[]? targets, float[]? mask = null, int targetWidth = 1, int[]? index = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if ((labels is null) == (targets is null))
        {
            throw new ArgumentException("A split has either class labels or regression targets.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(targetWidth, 1);
        if (labels is not null && targetWidth != 1)
        {
            throw new ArgumentException("Class labels have one value per example.", nameof(targetWidth));
        }

        Count = labels?.Length ?? targets!.Length / targetWidth;
        if (targets is not null && targets.Length != Count * targetWidth)
        {
            throw new ArgumentException($"TaskSplit: {targets.Length} targets are not a whole number of examples of {targetWidth}.", nameof(targets));
        }

        if (mask is not null && mask.Length != Count * targetWidth)
        {
            throw new ArgumentException($"TaskSplit: a mask of {mask.Length} entries for {Count} examples × {targetWidth}.", nameof(mask));
        }

        Mask = mask;
        TargetWidth = targetWidth;
        SampleSize = new Shape(sampleShape).Size;
        if (index is null)
        {
            if ((long)Count * SampleSize != inputs.Length)
            {
                throw new ArgumentException($"TaskSplit: {inputs.Length} input values do not fit {Count} examples of shape [{string.Join(", ", sampleShape)}].");
            }
        }
        else
        {
            if (index.Length != Count)
            {
                throw new ArgumentException($"TaskSplit: an index of {index.Length} rows for {Count} examples.", nameof(index));
            }

            if (SampleSize == 0 || inputs.Length % SampleSize != 0)
            {
                throw new ArgumentException($"TaskSplit: {inputs.Length} input values are not whole rows of shape [{string.Join(", ", sampleShape)}].", nameof(inputs));
            }

            int rows = inputs.Length / SampleSize;
            foreach (int r in index)
            {
                if ((uint)r >= (uint)rows)
                {
                    throw new ArgumentException($"TaskSplit: the index names row {r}, but the inputs hold {rows} rows.", nameof(index));
                }
            }
        }

        Inputs = inputs;
        Index = index;
        SampleShape = (int[])sampleShape.Clone();
        Labels = labels;
        Targets = targets;
    }

    /// <summary>Examples.</summary>
    public int Count { get; }

    /// <summary>Values per example.</summary>
    public int SampleSize { get; }

    /// <summary>Example shape (e.g. [1, 28, 28] or [128]).</summary>
    public int[] SampleShape { get; }

    /// <summary>Inputs, [Count × SampleShape]; with an <see cref="Index"/>, the rows it picks from.</summary>
    public float[] Inputs { get; }

    /// <summary>Each example's row of <see cref="Inputs"/>, or null when example i is row i.</summary>
    public int[]? Index { get; }

    /// <summary>Class labels, or null.</summary>
    public int[]? Labels { get; }

    /// <summary>Regression (or multi-label 0/1) targets, or null.</summary>
    public float[]? Targets { get; }

    /// <summary>Targets per example (1, or the labels of a multi-label task).</summary>
    public int TargetWidth { get; }

    /// <summary>Label mask, 1 where labelled and 0 where not ([Count × TargetWidth]); null when all are labelled.</summary>
    public float[]? Mask { get; }

    /// <summary>Whether example <paramref name="row"/> has any label for this task.</summary>
    public bool IsLabelled(int row)
    {
        if (Mask is null)
        {
            return true;
        }

        for (int j = 0; j < TargetWidth; j++)
        {
            if (Mask[row * TargetWidth + j] != 0f)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A new split of the examples <paramref name="rows"/>, in that order (inputs, labels or targets, mask copied);
    /// <paramref name="inputs"/> gives the already gathered inputs instead, so tasks over the same rows keep sharing one
    /// array. A split with an <see cref="Index"/> keeps its input array and picks the rows by a new index (no copy).
    /// </summary>
    public TaskSplit Rows(IReadOnlyList<int> rows, float[]? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (int r in rows)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)r, (uint)Count, nameof(rows));
        }

        if (inputs is not null && inputs.Length != rows.Count * SampleSize)
        {
            throw new ArgumentException($"{inputs.Length} gathered input values for {rows.Count} examples of {SampleSize}.", nameof(inputs));
        }

        int[]? index = null;
        if (inputs is null && Index is not null)
        {
            index = [.. rows.Select(r => Index[r])];
        }

        inputs ??= index is null ? Gather(Inputs, rows, SampleSize) : Inputs;
        return new TaskSplit(
            inputs,
            SampleShape,
            Labels is null ? null : [.. rows.Select(r => Labels[r])],
            Targets is null ? null : Gather(Targets, rows, TargetWidth),
            Mask is null ? null : Gather(Mask, rows, TargetWidth),
            TargetWidth,
            index);
    }

    /// <summary>The blocks of <paramref name="width"/> values at <paramref name="rows"/> of <paramref name="values"/>, in order.</summary>
    public static float[] Gather(float[] values, IReadOnlyList<int> rows, int width)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rows);
        var result = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++)
        {
            values.AsSpan(rows[i] * width, width).CopyTo(result.AsSpan(i * width, width));
        }

        return result;
    }

    /// <summary>Copies the examples <paramref name="rows"/> into an arena-backed input tensor [B, SampleShape].</summary>
    public Tensor GatherInputs(ReadOnlySpan<int> rows)
    {
        int[] dims = new int[SampleShape.Length + 1];
        dims[0] = rows.Length;
        SampleShape.CopyTo(dims, 1);
        var x = Tensor.Scratch(new Shape(dims));
        Span<float> dst = x.Span;
        for (int i = 0; i < rows.Length; i++)
        {
            int row = Index is null ? rows[i] : Index[rows[i]];
            Inputs.AsSpan(row * SampleSize, SampleSize).CopyTo(dst.Slice(i * SampleSize, SampleSize));
        }

        return x;
    }

    /// <summary>
    /// Contiguous examples [start, start + count): a view of the inputs, or (with an <see cref="Index"/>) the rows
    /// gathered into an arena-backed tensor.
    /// </summary>
    public Tensor InputsRange(int start, int count)
    {
        int[] dims = new int[SampleShape.Length + 1];
        dims[0] = count;
        SampleShape.CopyTo(dims, 1);
        if (Index is not null)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((long)start + count, Count, nameof(count));
            var x = Tensor.Scratch(new Shape(dims));
            Span<float> dst = x.Span;
            for (int i = 0; i < count; i++)
            {
                Inputs.AsSpan(Index[start + i] * SampleSize, SampleSize).CopyTo(dst.Slice(i * SampleSize, SampleSize));
            }

            return x;
        }

        return Tensor.Wrap(Inputs, start * SampleSize, new Shape(dims));
    }
}
