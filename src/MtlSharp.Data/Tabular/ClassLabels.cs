namespace MtlSharp.Data.Tabular;

/// <summary>A classification target fitted by <see cref="LabelEncoder.FitClasses"/>: a class index per row.</summary>
public sealed class ClassLabels
{
    private readonly CsvTable _table;
    private readonly int _column;
    private readonly string[] _classes;
    private readonly Dictionary<string, int> _index;

    internal ClassLabels(CsvTable table, int column, string[] classes)
    {
        _table = table;
        _column = column;
        _classes = classes;
        _index = new Dictionary<string, int>(classes.Length, StringComparer.Ordinal);
        for (int i = 0; i < classes.Length; i++)
        {
            _index.Add(classes[i], i);
        }
    }

    /// <summary>The label column's name.</summary>
    public string Column => _table.Columns[_column];

    /// <summary>The classes in index order.</summary>
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>
    /// The class index of each of <paramref name="rows"/>; <paramref name="mask"/> is 1 where the label is present and
    /// 0 where it is missing (index 0 then). A label that is not among <see cref="Classes"/> throws
    /// <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    public int[] Encode(IReadOnlyList<int> rows, out float[] mask)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int[] y = new int[rows.Count];
        mask = new float[rows.Count];
        for (int i = 0; i < y.Length; i++)
        {
            string? v = _table.Get(rows[i], _column);
            if (v is null)
            {
                continue;
            }

            if (!_index.TryGetValue(v, out y[i]))
            {
                throw new InvalidDataException(
                    $"{_table.Locate(rows[i], _column)}: column '{Column}': label '{v}' does not occur in the training split " +
                    $"(its classes are: {string.Join(", ", _classes)})");
            }

            mask[i] = 1f;
        }

        return y;
    }
}
