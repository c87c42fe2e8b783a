namespace MtlSharp.Data.Tabular;

/// <summary>How a categorical feature is presented to a model.</summary>
public enum CategoricalEncoding
{
    /// <summary>One dense 0/1 column per training level; a missing or unseen value is all zeros.</summary>
    OneHot,

    /// <summary>An integer code per row for an embedding table: 0 = missing or unseen, level index + 1 otherwise.</summary>
    Embedded,
}
