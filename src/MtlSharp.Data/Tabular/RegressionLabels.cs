namespace MtlSharp.Data.Tabular;

/// <summary>A regression target fitted by <see cref="LabelEncoder.FitRegression"/>: <c>(y − Mean) / Std</c> per row.</summary>
public sealed class RegressionLabels
{
    private readonly CsvTable _table;
    private readonly int _column;

    internal RegressionLabels(CsvTable table, int column, double mean, double std)
    {
        _table = table;
        _column = column;
        Mean = mean;
        Std = std;
    }

    /// <summary>The label column's name.</summary>
    public string Column => _table.Columns[_column];

    /// <summary>The training mean subtracted from every value (0 when not standardised).</summary>
    public double Mean { get; }

    /// <summary>The training standard deviation every value is divided by (1 when not standardised).</summary>
    public double Std { get; }

    /// <summary>
    /// <c>(y − Mean) / Std</c> for each of <paramref name="rows"/>; a missing value gives 0 with <paramref name="mask"/>
    /// 0 (1 elsewhere). A value that is not a finite number throws <see cref="InvalidDataException"/> naming the file and line.
    /// </summary>
    public float[] Encode(IReadOnlyList<int> rows, out float[] mask)
    {
        ArgumentNullException.ThrowIfNull(rows);
        float[] y = new float[rows.Count];
        mask = new float[rows.Count];
        for (int i = 0; i < y.Length; i++)
        {
            if (_table.Number(rows[i], _column, "label") is double v)
            {
                y[i] = (float)((v - Mean) / Std);
                mask[i] = 1f;
            }
        }

        return y;
    }

    /// <summary>Maps an encoded value (for example a prediction) back to the column's units: <c>value · Std + Mean</c>.</summary>
    public double Decode(double value) => (value * Std) + Mean;
}
