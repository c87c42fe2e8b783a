namespace MtlSharp.Data.Tabular;

/// <summary>
/// Fits the targets of tabular tasks: class labels, regression values and multi-label 0/1 columns. Statistics and
/// class lists come from the training rows only; a missing (empty) label gets mask 0, so it is left out of the loss.
/// </summary>
public static class LabelEncoder
{
    /// <summary>
    /// The classes of <paramref name="column"/>: its distinct non-missing values among <paramref name="trainRows"/>,
    /// sorted numerically when every one is a number (<c>"9"</c> before <c>"10"</c>), otherwise by ordinal comparison.
    /// Throws <see cref="InvalidDataException"/> when the training rows hold no label at all.
    /// </summary>
    public static ClassLabels FitClasses(CsvTable table, string column, IReadOnlyList<int> trainRows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(trainRows);
        int col = table.IndexOf(column);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (int r in trainRows)
        {
            if (table.Get(r, col) is { } v)
            {
                set.Add(v);
            }
        }

        if (set.Count == 0)
        {
            throw new InvalidDataException(
                $"{table.SourceOf(col)}: column '{column}': no label in the {trainRows.Count} training rows; expected at least one non-missing value");
        }

        var keyed = new List<(double Key, string Text)>(set.Count);
        bool numeric = true;
        foreach (string s in set)
        {
            numeric &= CsvTable.TryParseNumber(s, out double x);
            keyed.Add((x, s));
        }

        keyed.Sort((a, b) =>
        {
            int c = numeric ? a.Key.CompareTo(b.Key) : 0;
            return c != 0 ? c : string.CompareOrdinal(a.Text, b.Text);
        });
        return new ClassLabels(table, col, [.. keyed.Select(k => k.Text)]);
    }

    /// <summary>
    /// Regression targets from <paramref name="column"/>: with <paramref name="standardize"/>, the mean and population
    /// standard deviation of the non-missing training values (a deviation of 0, or no values, gives 1); otherwise mean 0
    /// and deviation 1. Values must be finite numbers (errors name the file and line).
    /// </summary>
    public static RegressionLabels FitRegression(CsvTable table, string column, IReadOnlyList<int> trainRows, bool standardize)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(trainRows);
        int col = table.IndexOf(column);
        (double mean, double std) = FeatureEncoder.Standardization(table, col, trainRows, "label");
        return standardize ? new RegressionLabels(table, col, mean, std) : new RegressionLabels(table, col, 0, 1);
    }

    /// <summary>
    /// One multi-label task made of several 0/1 columns (each also accepting <c>TRUE</c>/<c>FALSE</c> in any case).
    /// Nothing is fitted; the columns must exist.
    /// </summary>
    public static MultiLabels FitMultiLabel(CsvTable table, IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException("A multi-label task needs at least one column.", nameof(columns));
        }

        if (columns.Distinct(StringComparer.Ordinal).Count() != columns.Count)
        {
            throw new ArgumentException($"A multi-label column is listed twice: {string.Join(", ", columns)}.", nameof(columns));
        }

        return new MultiLabels(table, [.. columns], [.. columns.Select(table.IndexOf)]);
    }
}
