namespace MtlSharp.Data.Tabular;

/// <summary>A multi-label target made of 0/1 columns, created by <see cref="LabelEncoder.FitMultiLabel"/>.</summary>
public sealed class MultiLabels
{
    private readonly CsvTable _table;
    private readonly string[] _columns;
    private readonly int[] _indices;

    internal MultiLabels(CsvTable table, string[] columns, int[] indices)
    {
        _table = table;
        _columns = columns;
        _indices = indices;
    }

    /// <summary>The label columns, in output order.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>
    /// [<paramref name="rows"/>.Count × <see cref="Columns"/>.Count] 0/1 values, row-major, and a mask of the same shape
    /// that is 0 where a value is missing (the value is 0 there). Accepted values: numbers equal to 0 or 1, and
    /// <c>true</c>/<c>false</c> in any case; anything else throws <see cref="InvalidDataException"/> naming the file,
    /// line and column.
    /// </summary>
    public float[] Encode(IReadOnlyList<int> rows, out float[] mask)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int k = _columns.Length;
        float[] y = new float[rows.Count * k];
        mask = new float[y.Length];
        for (int i = 0; i < rows.Count; i++)
        {
            for (int j = 0; j < k; j++)
            {
                string? v = _table.Get(rows[i], _indices[j]);
                if (v is null)
                {
                    continue;
                }

                y[(i * k) + j] = Parse(v) ?? throw new InvalidDataException(
                    $"{_table.Locate(rows[i], _indices[j])}: column '{_columns[j]}': '{v}' is not a 0/1 label; expected 0, 1, TRUE or FALSE");
                mask[(i * k) + j] = 1f;
            }
        }

        return y;
    }

    private static float? Parse(string v)
    {
        if (string.Equals(v, "true", StringComparison.OrdinalIgnoreCase))
        {
            return 1f;
        }

        if (string.Equals(v, "false", StringComparison.OrdinalIgnoreCase))
        {
            return 0f;
        }

        return CsvTable.TryParseNumber(v, out double x) && (x == 0 || x == 1) ? (float)x : null;
    }
}
