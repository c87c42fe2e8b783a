namespace MtlSharp.Data.Tabular;

/// <summary>
/// A categorical feature encoded as integer codes for an embedding table: codes range over 0..<paramref name="Levels"/>,
/// where 0 means missing or a level not seen in training and <c>i + 1</c> is the i-th training level.
/// </summary>
/// <param name="Column">The header name of the column.</param>
/// <param name="Levels">The number of training levels (the embedding table needs <c>Levels + 1</c> rows).</param>
public sealed record EmbeddedColumn(string Column, int Levels);
