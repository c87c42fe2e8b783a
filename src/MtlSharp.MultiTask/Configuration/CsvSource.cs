using MtlSharp.Data.Tabular;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Tabular data from CSV: inputs from feature columns (numeric standardised on the training split, categorical
/// one-hot or embedded), one label column per task (several for multi-label), empty fields missing.
/// </summary>
public sealed record CsvSource : DataSource
{
    /// <summary>The CSV file (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>More files with the same rows, joined column-wise.</summary>
    public IReadOnlyList<string> Join { get; init; } = [];

    /// <summary>Explicit input columns, or null for every column that is not a label and not excluded.</summary>
    public IReadOnlyList<FeatureSpec>? Features { get; init; }

    /// <summary>Columns never used as inputs.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Default encoding of categorical inputs.</summary>
    public CategoricalEncoding Categorical { get; init; } = CategoricalEncoding.OneHot;

    /// <summary>Width of each embedded categorical column.</summary>
    public int EmbeddingSize { get; init; } = 4;

    /// <summary>A 0/1 missing indicator next to every numeric input.</summary>
    public bool MissingIndicators { get; init; }

    /// <summary>Test fraction of <see cref="Path"/> (with fraction splits).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Validation fraction (with fraction splits).</summary>
    public double ValidFraction { get; init; } = 0.1;

    /// <summary>A file of test rows (file splits), or null.</summary>
    public string? TestFile { get; init; }

    /// <summary>A file of validation rows (file splits), or null.</summary>
    public string? ValidFile { get; init; }

    /// <summary>Seed of the row shuffle of fraction splits.</summary>
    public ulong SplitSeed { get; init; }
}
