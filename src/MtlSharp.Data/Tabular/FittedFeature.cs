namespace MtlSharp.Data.Tabular;

/// <summary>
/// One feature as fitted by <see cref="FeatureEncoder.Fit"/>: its resolved type and the statistics learnt from the
/// training rows, and where it lands in the encoded output.
/// </summary>
public sealed class FittedFeature
{
    private readonly Dictionary<string, int> _levelIndex;

    internal FittedFeature(
        FeatureSpec spec, int columnIndex, ColumnType type, double mean, double std, string[] levels, int denseOffset, int denseWidth, int codeIndex)
    {
        Spec = spec;
        ColumnIndex = columnIndex;
        Type = type;
        Mean = mean;
        Std = std;
        Levels = levels;
        DenseOffset = denseOffset;
        DenseWidth = denseWidth;
        CodeIndex = codeIndex;
        _levelIndex = new Dictionary<string, int>(levels.Length, StringComparer.Ordinal);
        for (int i = 0; i < levels.Length; i++)
        {
            _levelIndex.Add(levels[i], i);
        }
    }

    /// <summary>The specification this feature was fitted from.</summary>
    public FeatureSpec Spec { get; }

    /// <summary>The column name.</summary>
    public string Column => Spec.Column;

    /// <summary>The type: as specified, or inferred from the training rows.</summary>
    public ColumnType Type { get; }

    /// <summary>Numeric: the mean of the non-missing training values (0 when there are none). Categorical: 0.</summary>
    public double Mean { get; }

    /// <summary>
    /// Numeric: the population standard deviation of the non-missing training values, or 1 when that is 0 or there are
    /// no values. Categorical: 1.
    /// </summary>
    public double Std { get; }

    /// <summary>Categorical: the distinct non-missing training values in ordinal order. Numeric: empty.</summary>
    public IReadOnlyList<string> Levels { get; }

    /// <summary>The first dense column of this feature, or -1 when it has none (an embedded feature).</summary>
    public int DenseOffset { get; }

    /// <summary>The number of dense columns: 1 (+1 with a missing indicator) for numeric, the level count for one-hot, 0 for embedded.</summary>
    public int DenseWidth { get; }

    /// <summary>The position of this feature among <see cref="FeatureEncoder.Embedded"/>, or -1 when it is not embedded.</summary>
    public int CodeIndex { get; }

    internal int ColumnIndex { get; }

    /// <summary>The index of <paramref name="level"/> in <see cref="Levels"/>, or -1 when it was not seen in training.</summary>
    public int LevelIndex(string level) => _levelIndex.TryGetValue(level, out int i) ? i : -1;
}
