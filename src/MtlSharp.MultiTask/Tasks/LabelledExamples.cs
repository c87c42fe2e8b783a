namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// Examples with one class label each (mask: a negative label means unlabelled) and an input built on demand for
/// any rows by <c>input</c> (e.g. packing pre-hashed trigram bags, or batching sentences for a BiLSTM).
/// </summary>
public sealed class LabelledExamples : ITaskExamples
{
    private readonly int[] _labels;
    private readonly Func<int[], BatchInput> _input;

    /// <summary>Creates the examples: <paramref name="labels"/>[i] is example i's class (−1: none).</summary>
    public LabelledExamples(int[] labels, Func<int[], BatchInput> input)
    {
        _labels = labels ?? throw new ArgumentNullException(nameof(labels));
        _input = input ?? throw new ArgumentNullException(nameof(input));
        if (labels.Length == 0)
        {
            throw new ArgumentException("No examples.", nameof(labels));
        }
    }

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <summary>The labels (−1: unlabelled).</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <inheritdoc/>
    public BatchInput Input(int[] rows) => _input(rows);

    /// <inheritdoc/>
    public TaskTargets Targets(int[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var labels = new int[rows.Length];
        float[]? mask = null;
        for (int i = 0; i < rows.Length; i++)
        {
            int l = _labels[rows[i]];
            if (l < 0)
            {
                mask ??= Enumerable.Repeat(1f, rows.Length).ToArray();
                mask[i] = 0f;
                l = 0;
            }

            labels[i] = l;
        }

        return new TaskTargets(labels, null, mask);
    }
}
