namespace MtlSharp.Data.Tabular;

/// <summary>
/// A fitted <see cref="FeatureEncoder"/> bound to the header of another CSV input (created by
/// <see cref="FeatureEncoder.Bind"/>): encodes one record at a time exactly as the encoder encodes its own table's rows
/// — standardised numbers, missing indicators, one-hot blocks and embedding codes with the training statistics — for
/// prediction on new data. Columns that are not features (labels, identifiers) are ignored and may be absent.
/// </summary>
public sealed class CsvRecordEncoder
{
    private readonly FittedFeature[] _features;
    private readonly int[] _columns;
    private readonly int[] _unseen;

    internal CsvRecordEncoder(FittedFeature[] features, int[] columns, int width, int embedded)
    {
        _features = features;
        _columns = columns;
        Width = width;
        EmbeddedCount = embedded;
        _unseen = new int[features.Length];
    }

    /// <summary>Dense values per record (<see cref="FeatureEncoder.Width"/>).</summary>
    public int Width { get; }

    /// <summary>Embedding codes per record (<see cref="FeatureEncoder.Embedded"/>.Count).</summary>
    public int EmbeddedCount { get; }

    /// <summary>Per feature (in spec order): how many encoded records held a categorical level not seen in training.</summary>
    public IReadOnlyList<int> UnseenLevels => _unseen;

    /// <summary>
    /// Encodes one record (<paramref name="fields"/> in the bound header's order, null for a missing value) into
    /// <paramref name="dense"/> (<see cref="Width"/> values) and <paramref name="codes"/> (<see cref="EmbeddedCount"/>).
    /// A value that is not a finite number in a numeric feature throws <see cref="InvalidDataException"/> starting with
    /// <paramref name="location"/> (e.g. <c>PATH:LINE</c>) and naming the column; nothing is counted then.
    /// </summary>
    public void Encode(IReadOnlyList<string?> fields, Span<float> dense, Span<int> codes, string location)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (dense.Length != Width || codes.Length != EmbeddedCount)
        {
            throw new ArgumentException($"Expected {Width} dense values and {EmbeddedCount} codes, got {dense.Length} and {codes.Length}.");
        }

        dense.Clear();
        codes.Clear();
        Span<bool> unseen = _features.Length <= 256 ? stackalloc bool[_features.Length] : new bool[_features.Length];
        for (int f = 0; f < _features.Length; f++)
        {
            FittedFeature ft = _features[f];
            string? s = fields[_columns[f]];
            if (ft.Type == ColumnType.Numeric)
            {
                if (s is null)
                {
                    if (ft.Spec.MissingIndicator)
                    {
                        dense[ft.DenseOffset + 1] = 1f;
                    }

                    continue;
                }

                if (CsvTable.NumberProblem(s, "feature", out double v) is { } problem)
                {
                    throw new InvalidDataException($"{location}: column '{ft.Column}': {problem}");
                }

                dense[ft.DenseOffset] = (float)((v - ft.Mean) / ft.Std);
                continue;
            }

            int level = s is null ? -1 : ft.LevelIndex(s);
            unseen[f] = s is not null && level < 0;
            if (ft.CodeIndex >= 0)
            {
                codes[ft.CodeIndex] = level + 1;
            }
            else if (level >= 0)
            {
                dense[ft.DenseOffset + level] = 1f;
            }
        }

        for (int f = 0; f < _features.Length; f++)
        {
            _unseen[f] += unseen[f] ? 1 : 0;
        }
    }
}
