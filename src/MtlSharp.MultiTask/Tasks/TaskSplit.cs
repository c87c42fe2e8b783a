using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// One split of one task: <see cref="Count"/> examples of shape <see cref="SampleShape"/> stored row-major in
/// <see cref="Inputs"/>, with class <see cref="Labels"/> (classification) or real <see cref="Targets"/> (regression).
/// Arrays may be shared between tasks (the two copies of MNIST share theirs).
/// </summary>
public sealed class TaskSplit
{
    /// <summary>Creates a split, validating that the arrays agree.</summary>
    public TaskSplit(float[] inputs, int[] sampleShape, int[]? labels, float[]? targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if ((labels is null) == (targets is null))
        {
            throw new ArgumentException("A split has either class labels or regression targets.");
        }

        Count = labels?.Length ?? targets!.Length;
        SampleSize = new Shape(sampleShape).Size;
        if ((long)Count * SampleSize != inputs.Length)
        {
            throw new ArgumentException($"TaskSplit: {inputs.Length} input values do not fit {Count} examples of shape [{string.Join(", ", sampleShape)}].");
        }

        Inputs = inputs;
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

    /// <summary>Inputs, [Count × SampleShape].</summary>
    public float[] Inputs { get; }

    /// <summary>Class labels, or null.</summary>
    public int[]? Labels { get; }

    /// <summary>Regression targets, or null.</summary>
    public float[]? Targets { get; }

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
            Inputs.AsSpan(rows[i] * SampleSize, SampleSize).CopyTo(dst.Slice(i * SampleSize, SampleSize));
        }

        return x;
    }

    /// <summary>Contiguous rows [start, start + count).</summary>
    public Tensor InputsRange(int start, int count)
    {
        int[] dims = new int[SampleShape.Length + 1];
        dims[0] = count;
        SampleShape.CopyTo(dims, 1);
        return Tensor.Wrap(Inputs, start * SampleSize, new Shape(dims));
    }
}
