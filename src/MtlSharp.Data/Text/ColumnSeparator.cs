namespace MtlSharp.Data.Text;

/// <summary>How the columns of a column-format line are separated.</summary>
public enum ColumnSeparator
{
    /// <summary>Runs of spaces and/or tabs (CoNLL-2000, CoNLL-2003).</summary>
    Whitespace,

    /// <summary>Single tab characters; empty fields are kept.</summary>
    Tab,
}
