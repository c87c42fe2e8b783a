namespace MtlSharp.Data.Tabular;

/// <summary>One input column of a tabular model and how to encode it.</summary>
/// <param name="Column">The header name of the column.</param>
public sealed record FeatureSpec(string Column)
{
    /// <summary>The column's type; null infers it from the training rows (see <see cref="CsvTable.Infer"/>).</summary>
    public ColumnType? Type { get; init; }

    /// <summary>
    /// How a categorical column is encoded. <see cref="CategoricalEncoding.Embedded"/> on a numeric column is an error
    /// (set <see cref="Type"/> to <see cref="ColumnType.Categorical"/> to embed numeric-looking codes).
    /// </summary>
    public CategoricalEncoding Encoding { get; init; } = CategoricalEncoding.OneHot;

    /// <summary>Numeric columns only: add a dense 0/1 column that is 1 where the value is missing.</summary>
    public bool MissingIndicator { get; init; }
}
