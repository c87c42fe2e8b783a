using System.Globalization;
using MtlSharp.Data.Tabular;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// The tasks of a CSV source: one table (joined files), split by fraction (its own seed) or by file, inputs encoded
/// with statistics fitted on the training rows only, and per task its labels and label mask (empty fields are
/// missing labels). All tasks share one input array per split.
/// </summary>
public sealed class CsvTaskSet
{
    private readonly List<(string Key, string Value)> _description = [];
    private readonly CsvTaskLabels[] _labels;

    private CsvTaskSet(IReadOnlyList<TaskData> tasks, FeatureEncoder encoder, int embeddingSize)
    {
        Tasks = tasks;
        Encoder = encoder;
        EmbeddingSize = embeddingSize;
        _labels = new CsvTaskLabels[tasks.Count];
    }

    /// <summary>The tasks, in configuration order.</summary>
    public IReadOnlyList<TaskData> Tasks { get; }

    /// <summary>The fitted input encoder.</summary>
    public FeatureEncoder Encoder { get; }

    /// <summary>Dense input values per row.</summary>
    public int DenseWidth => Encoder.Width;

    /// <summary>The embedded categorical columns (their codes follow the dense values).</summary>
    public IReadOnlyList<EmbeddedColumn> Embedded => Encoder.Embedded;

    /// <summary>Width of each embedding.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Values per input row (dense values and codes).</summary>
    public int InputWidth => DenseWidth + Embedded.Count;

    /// <summary>What each task's outputs mean (class names, label columns, standardisation), in configuration order.</summary>
    public IReadOnlyList<CsvTaskLabels> Labels => _labels;

    /// <summary>
    /// Binds the fitted input encoding to a CSV input with header <paramref name="columns"/> (new rows to predict on; the
    /// label columns may be absent). See <see cref="FeatureEncoder.Bind"/>.
    /// </summary>
    public CsvRecordEncoder BindInputs(IReadOnlyList<string> columns, string source) => Encoder.Bind(columns, source);

    /// <summary>
    /// Encodes one record of a bound input into a model input row of <see cref="InputWidth"/> values (the dense values,
    /// then the embedding codes as numbers), exactly as the training rows were encoded. Errors as
    /// <see cref="CsvRecordEncoder.Encode"/>.
    /// </summary>
    public void EncodeInput(CsvRecordEncoder encoder, IReadOnlyList<string?> fields, Span<float> row, string location)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        if (row.Length != InputWidth || encoder.Width != DenseWidth || encoder.EmbeddedCount != Embedded.Count)
        {
            throw new ArgumentException($"Expected a row of {InputWidth} values and an encoder bound by this task set.", nameof(row));
        }

        int k = Embedded.Count;
        Span<int> codes = k <= 256 ? stackalloc int[k] : new int[k];
        encoder.Encode(fields, row[..DenseWidth], codes, location);
        for (int j = 0; j < k; j++)
        {
            row[DenseWidth + j] = codes[j];
        }
    }

    /// <summary>What was loaded, for the report's configuration.</summary>
    public IEnumerable<(string Key, string Value)> Describe() => _description;

    /// <summary>Loads the tasks of <paramref name="source"/>.</summary>
    public static CsvTaskSet Load(CsvSource source, IReadOnlyList<TaskSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(specs);
        var table = CsvTable.Read(source.Path);
        foreach (string extra in source.Join)
        {
            table = table.Join(CsvTable.Read(extra));
        }

        int[] trainRows, validRows, testRows;
        if (source.TestFile is not null || source.ValidFile is not null)
        {
            var parts = new List<CsvTable> { table };
            int trainCount = table.RowCount;
            int validCount = 0, testCount = 0;
            if (source.ValidFile is { } vf)
            {
                var v = CsvTable.Read(vf);
                validCount = v.RowCount;
                table = table.Append(v);
            }

            if (source.TestFile is { } tf)
            {
                var t = CsvTable.Read(tf);
                testCount = t.RowCount;
                table = table.Append(t);
            }

            trainRows = Enumerable.Range(0, trainCount).ToArray();
            validRows = Enumerable.Range(trainCount, validCount).ToArray();
            testRows = Enumerable.Range(trainCount + validCount, testCount).ToArray();
            if (source.TestFile is null)
            {
                throw new ArgumentException("data.split: with a validation file, give the test rows as a file too.");
            }
        }
        else
        {
            (trainRows, validRows, testRows) = TabularSplit.ByFraction(table.RowCount, source.ValidFraction, source.TestFraction, source.SplitSeed);
        }

        if (testRows.Length == 0)
        {
            throw new ArgumentException($"data.split: the test split of {table.Source} is empty ({table.RowCount} rows).");
        }

        var labelColumns = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in specs)
        {
            foreach (string c in t.Column is { } col ? [col] : t.Columns)
            {
                table.IndexOf(c);   // names the file and the columns it has when absent
                labelColumns.Add(c);
            }
        }

        foreach (string x in source.Exclude)
        {
            table.IndexOf(x);
        }

        var features = source.Features ?? table.Columns
            .Where(c => !labelColumns.Contains(c) && !source.Exclude.Contains(c))
            .Select(c => table.Infer(table.IndexOf(c), trainRows) == ColumnType.Numeric
                ? new FeatureSpec(c) { Type = ColumnType.Numeric, MissingIndicator = source.MissingIndicators }
                : new FeatureSpec(c) { Type = ColumnType.Categorical, Encoding = source.Categorical })
            .ToArray();
        foreach (var f in features)
        {
            table.IndexOf(f.Column);
            if (labelColumns.Contains(f.Column))
            {
                throw new ArgumentException($"data.features: column '{f.Column}' is a task's label; it cannot also be an input.");
            }
        }

        if (features.Count == 0)
        {
            throw new ArgumentException($"{table.Source}: no input columns are left (every column is a label or excluded).");
        }

        var encoder = FeatureEncoder.Fit(table, features, trainRows);
        var train = encoder.Encode(trainRows);
        var valid = validRows.Length > 0 ? encoder.Encode(validRows) : null;
        var test = encoder.Encode(testRows);
        float[] Inputs(EncodedFeatures e)
        {
            int k = encoder.Embedded.Count;
            if (k == 0)
            {
                return e.Dense;
            }

            int w = encoder.Width;
            var x = new float[e.Rows * (w + k)];
            for (int r = 0; r < e.Rows; r++)
            {
                e.Dense.AsSpan(r * w, w).CopyTo(x.AsSpan(r * (w + k), w));
                for (int j = 0; j < k; j++)
                {
                    x[(r * (w + k)) + w + j] = e.Codes[(r * k) + j];
                }
            }

            return x;
        }

        float[] xTrain = Inputs(train), xTest = Inputs(test);
        float[]? xValid = valid is null ? null : Inputs(valid);
        int width = encoder.Width + encoder.Embedded.Count;
        var tasks = new TaskData[specs.Count];
        var set = new CsvTaskSet(tasks, encoder, source.EmbeddingSize);
        for (int i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            TaskSplit Split(float[] x, int[] rows, Func<int[], (int[]? Labels, float[]? Targets, float[] Mask)> encode, int targetWidth)
            {
                var (labels, targets, mask) = encode(rows);
                return new TaskSplit(x, [width], labels, targets, mask.All(m => m != 0f) ? null : mask, targetWidth);
            }

            TaskData data;
            switch (spec.Kind)
            {
                case TaskKind.Classification:
                {
                    var classes = LabelEncoder.FitClasses(table, spec.Column!, trainRows);
                    (int[]?, float[]?, float[]) Enc(int[] rows)
                    {
                        var l = classes.Encode(rows, out var m);
                        return (l, null, m);
                    }

                    data = new TaskData(spec.Name, TaskKind.Classification, classes.Classes.Count, Split(xTrain, trainRows, Enc, 1), Split(xTest, testRows, Enc, 1),
                        xValid is null ? null : Split(xValid, validRows, Enc, 1)) { Metric = spec.Metric };
                    set._description.Add(($"task.{spec.Name}", $"classes {string.Join("|", classes.Classes)}"));
                    set._labels[i] = new CsvTaskLabels(spec.Name, TaskKind.Classification, classes.Classes, [spec.Column!], 0, 1);
                    break;
                }

                case TaskKind.Regression:
                {
                    var reg = LabelEncoder.FitRegression(table, spec.Column!, trainRows, spec.Standardize);
                    (int[]?, float[]?, float[]) Enc(int[] rows)
                    {
                        var v = reg.Encode(rows, out var m);
                        return (null, v, m);
                    }

                    data = new TaskData(spec.Name, TaskKind.Regression, 1, Split(xTrain, trainRows, Enc, 1), Split(xTest, testRows, Enc, 1),
                        xValid is null ? null : Split(xValid, validRows, Enc, 1)) { Metric = spec.Metric, TargetScale = reg.Std };
                    set._description.Add(($"task.{spec.Name}", string.Create(CultureInfo.InvariantCulture, $"mean {reg.Mean:G6} std {reg.Std:G6}")));
                    set._labels[i] = new CsvTaskLabels(spec.Name, TaskKind.Regression, [], [spec.Column!], reg.Mean, reg.Std);
                    break;
                }

                default:
                {
                    var ml = LabelEncoder.FitMultiLabel(table, spec.Columns);
                    (int[]?, float[]?, float[]) Enc(int[] rows)
                    {
                        var v = ml.Encode(rows, out var m);
                        return (null, v, m);
                    }

                    int labels = spec.Columns.Count;
                    data = new TaskData(spec.Name, TaskKind.MultiLabel, labels, Split(xTrain, trainRows, Enc, labels), Split(xTest, testRows, Enc, labels),
                        xValid is null ? null : Split(xValid, validRows, Enc, labels)) { Metric = spec.Metric };
                    set._labels[i] = new CsvTaskLabels(spec.Name, TaskKind.MultiLabel, [], [.. ml.Columns], 0, 1);
                    break;
                }
            }

            foreach (var (name, split) in new[] { ("training", data.Train), ("test", data.Test) })
            {
                if (Enumerable.Range(0, split.Count).All(r => !split.IsLabelled(r)))
                {
                    throw new ArgumentException($"Task '{spec.Name}' has no labelled row in the {name} split of {table.Source}.");
                }
            }

            tasks[i] = data;
        }

        var ci = CultureInfo.InvariantCulture;
        set._description.Add(("rows", string.Create(ci, $"train {trainRows.Length}, valid {validRows.Length}, test {testRows.Length}")));
        set._description.Add(("inputs", string.Create(ci, $"{encoder.Width} dense ({string.Join(", ", encoder.DenseNames.Take(12))}{(encoder.Width > 12 ? ", …" : "")}), {encoder.Embedded.Count} embedded")));
        int unseen = test.UnseenLevels.Sum() + (valid?.UnseenLevels.Sum() ?? 0);
        set._description.Add(("unseenLevels", unseen.ToString(ci)));
        return set;
    }
}
