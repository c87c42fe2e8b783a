namespace MtlSharp.Data.Tabular;

/// <summary>How a table column is treated as a feature.</summary>
public enum ColumnType
{
    /// <summary>Real numbers (parsed with the invariant culture), standardised with training statistics.</summary>
    Numeric,

    /// <summary>Discrete levels (the field text), one-hot encoded or embedded.</summary>
    Categorical,
}
