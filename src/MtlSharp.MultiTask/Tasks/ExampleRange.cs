namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A contiguous range of another task's examples (row r is row <c>start + r</c> of the inner examples): a validation
/// split carved from a training split, or the first examples of a split for a quick run.
/// </summary>
public sealed class ExampleRange : ITaskExamples
{
    private readonly ITaskExamples _inner;
    private readonly int _start;

    /// <summary>Rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of <paramref name="inner"/>.</summary>
    public ExampleRange(ITaskExamples inner, int start, int count)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (start < 0 || count < 1 || start + count > inner.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {start + count}) are not within the {inner.Count} examples.");
        }

        _start = start;
        Count = count;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public BatchInput Input(int[] rows) => _inner.Input(Shift(rows));

    /// <inheritdoc/>
    public TaskTargets Targets(int[] rows) => _inner.Targets(Shift(rows));

    private int[] Shift(int[] rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (_start == 0)
        {
            return rows;
        }

        var shifted = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            shifted[i] = rows[i] + _start;
        }

        return shifted;
    }
}
