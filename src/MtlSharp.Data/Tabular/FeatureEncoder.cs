namespace MtlSharp.Data.Tabular;

/// <summary>
/// Turns table columns into model inputs, with every statistic (means, standard deviations, categorical levels) fitted
/// on the training rows only. Numeric columns are standardised, <c>(x − mean) / std</c>, and a missing value becomes 0
/// (the training mean), optionally with a 0/1 missing-indicator column. Categorical columns are one-hot encoded (a
/// missing or unseen level is all zeros) or become integer codes for an embedding (0 = missing or unseen).
/// </summary>
public sealed class FeatureEncoder
{
    private readonly CsvTable _table;
    private readonly FittedFeature[] _features;
    private readonly string[] _denseNames;
    private readonly EmbeddedColumn[] _embedded;

    private FeatureEncoder(CsvTable table, FittedFeature[] features, string[] denseNames, EmbeddedColumn[] embedded)
    {
        _table = table;
        _features = features;
        _denseNames = denseNames;
        _embedded = embedded;
    }

    /// <summary>The fitted features, in spec order.</summary>
    public IReadOnlyList<FittedFeature> Features => _features;

    /// <summary>The number of dense float columns (numeric values, missing indicators and one-hot blocks).</summary>
    public int Width => _denseNames.Length;

    /// <summary>A name per dense column: <c>age</c>, <c>age=missing</c>, <c>reg=city</c>, …</summary>
    public IReadOnlyList<string> DenseNames => _denseNames;

    /// <summary>The embedded categorical features, in spec order; their codes are the columns of <see cref="EncodedFeatures.Codes"/>.</summary>
    public IReadOnlyList<EmbeddedColumn> Embedded => _embedded;

    /// <summary>
    /// Fits the encoding of <paramref name="features"/> on <paramref name="trainRows"/> of <paramref name="table"/>.
    /// A column whose <see cref="FeatureSpec.Type"/> is null is numeric when every non-missing training value is a
    /// number. Bad values in the training rows throw <see cref="InvalidDataException"/> naming the file and line;
    /// inconsistent specifications throw <see cref="ArgumentException"/>.
    /// </summary>
    public static FeatureEncoder Fit(CsvTable table, IReadOnlyList<FeatureSpec> features, IReadOnlyList<int> trainRows)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(trainRows);
        if (trainRows.Count == 0)
        {
            throw new ArgumentException($"{table.Source}: no training rows to fit the features on.", nameof(trainRows));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var fitted = new FittedFeature[features.Count];
        var names = new List<string>();
        var embedded = new List<EmbeddedColumn>();
        for (int f = 0; f < features.Count; f++)
        {
            FeatureSpec spec = features[f] ?? throw new ArgumentException($"Feature {f} is null.", nameof(features));
            if (!seen.Add(spec.Column))
            {
                throw new ArgumentException($"Feature '{spec.Column}' is listed twice.", nameof(features));
            }

            int col = table.IndexOf(spec.Column);
            ColumnType type = spec.Type ?? table.Infer(col, trainRows);
            string how = spec.Type is null ? " (inferred from the training rows)" : string.Empty;
            if (type == ColumnType.Numeric)
            {
                if (spec.Encoding == CategoricalEncoding.Embedded)
                {
                    throw new ArgumentException(
                        $"Feature '{spec.Column}': the Embedded encoding applies to categorical columns, but the column is numeric{how}; " +
                        "set Type = ColumnType.Categorical to embed its values as levels.",
                        nameof(features));
                }

                (double mean, double std) = Standardization(table, col, trainRows, "feature");
                int width = spec.MissingIndicator ? 2 : 1;
                fitted[f] = new FittedFeature(spec, col, type, mean, std, [], names.Count, width, -1);
                names.Add(spec.Column);
                if (spec.MissingIndicator)
                {
                    names.Add(spec.Column + "=missing");
                }
            }
            else
            {
                if (spec.MissingIndicator)
                {
                    string why = spec.Type is null && table.FirstNonNumber(col, trainRows) is int r and >= 0
                        ? $" (inferred: '{table.Get(r, col)}' at {table.Locate(r, col)} is not a number)"
                        : string.Empty;
                    throw new ArgumentException(
                        $"Feature '{spec.Column}': MissingIndicator applies to numeric columns, but the column is categorical{why}.",
                        nameof(features));
                }

                string[] levels = Levels(table, col, trainRows);
                if (spec.Encoding == CategoricalEncoding.Embedded)
                {
                    fitted[f] = new FittedFeature(spec, col, type, 0, 1, levels, -1, 0, embedded.Count);
                    embedded.Add(new EmbeddedColumn(spec.Column, levels.Length));
                }
                else
                {
                    fitted[f] = new FittedFeature(spec, col, type, 0, 1, levels, names.Count, levels.Length, -1);
                    foreach (string level in levels)
                    {
                        names.Add(spec.Column + "=" + level);
                    }
                }
            }
        }

        return new FeatureEncoder(table, fitted, [.. names], [.. embedded]);
    }

    /// <summary>
    /// Encodes <paramref name="rows"/> of the table the encoder was fitted on. A value that is not a finite number in
    /// a numeric column throws <see cref="InvalidDataException"/> naming the file, line and column.
    /// </summary>
    public EncodedFeatures Encode(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int n = rows.Count, width = Width, k = _embedded.Length;
        float[] dense = new float[n * width];
        int[] codes = new int[n * k];
        int[] unseen = new int[_features.Length];
        for (int i = 0; i < n; i++)
        {
            int row = rows[i];
            for (int f = 0; f < _features.Length; f++)
            {
                FittedFeature ft = _features[f];
                if (ft.Type == ColumnType.Numeric)
                {
                    double? x = _table.Number(row, ft.ColumnIndex, "feature");
                    int o = (i * width) + ft.DenseOffset;
                    if (x is double v)
                    {
                        dense[o] = (float)((v - ft.Mean) / ft.Std);
                    }
                    else if (ft.Spec.MissingIndicator)
                    {
                        dense[o + 1] = 1f;
                    }

                    continue;
                }

                string? s = _table.Get(row, ft.ColumnIndex);
                int level = s is null ? -1 : ft.LevelIndex(s);
                if (s is not null && level < 0)
                {
                    unseen[f]++;
                }

                if (ft.CodeIndex >= 0)
                {
                    codes[(i * k) + ft.CodeIndex] = level + 1;
                }
                else if (level >= 0)
                {
                    dense[(i * width) + ft.DenseOffset + level] = 1f;
                }
            }
        }

        return new EncodedFeatures(dense, codes, n, unseen);
    }

    /// <summary>
    /// Binds the fitted encoding to another CSV input whose header is <paramref name="columns"/> (e.g. new rows to
    /// predict on): every feature column must be there, in any order; other columns are ignored. A missing feature
    /// column throws <see cref="InvalidDataException"/> naming <paramref name="source"/>.
    /// </summary>
    public CsvRecordEncoder Bind(IReadOnlyList<string> columns, string source)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(source);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Count; c++)
        {
            index.TryAdd(columns[c], c);
        }

        int[] map = new int[_features.Length];
        for (int f = 0; f < _features.Length; f++)
        {
            if (!index.TryGetValue(_features[f].Column, out map[f]))
            {
                throw new InvalidDataException(
                    $"{source}: no column '{_features[f].Column}', an input of the model; the inputs are: {string.Join(", ", _features.Select(x => x.Column))} (the file has: {string.Join(", ", columns)})");
            }
        }

        return new CsvRecordEncoder(_features, map, Width, _embedded.Length);
    }

    /// <summary>
    /// Mean and population standard deviation of the non-missing values of <paramref name="column"/> over
    /// <paramref name="rows"/>; the deviation is replaced by 1 when it is 0 or there are no values (mean 0 then).
    /// </summary>
    internal static (double Mean, double Std) Standardization(CsvTable table, int column, IReadOnlyList<int> rows, string role)
    {
        double sum = 0;
        int count = 0;
        foreach (int r in rows)
        {
            if (table.Number(r, column, role) is double v)
            {
                sum += v;
                count++;
            }
        }

        if (count == 0)
        {
            return (0, 1);
        }

        double mean = sum / count, ss = 0;
        foreach (int r in rows)
        {
            if (table.Number(r, column, role) is double v)
            {
                ss += (v - mean) * (v - mean);
            }
        }

        double std = Math.Sqrt(ss / count);
        return (mean, std > 0 && double.IsFinite(std) ? std : 1);
    }

    private static string[] Levels(CsvTable table, int column, IReadOnlyList<int> rows)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (int r in rows)
        {
            if (table.Get(r, column) is { } v)
            {
                set.Add(v);
            }
        }

        string[] levels = [.. set];
        Array.Sort(levels, StringComparer.Ordinal);
        return levels;
    }
}
