using MtlSharp.Data.Tabular;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class FeatureEncoderTests
{
    // Rows 0-2 train, rows 3-4 test. Data lines are 2..6.
    private const string Text =
        "x,reg,z,c\n" +
        "1,north,,a\n" +
        "2,south,5,b\n" +
        "3,north,7,a\n" +
        "5,city,,b\n" +
        ",south,1,zz\n";

    private static readonly int[] Train = [0, 1, 2];
    private static readonly int[] Test = [3, 4];

    private static FeatureEncoder FitAll(CsvTable t) => FeatureEncoder.Fit(
        t,
        [
            new FeatureSpec("x") { MissingIndicator = true },
            new FeatureSpec("reg"),
            new FeatureSpec("z"),
            new FeatureSpec("c") { Encoding = CategoricalEncoding.Embedded },
        ],
        Train);

    [Fact]
    public void FitsOnTrainRowsOnlyAndEncodesEveryKind()
    {
        FeatureEncoder enc = FitAll(CsvTable.Parse(Text, "f.csv"));
        Assert.Equal(5, enc.Width);
        Assert.Equal(new[] { "x", "x=missing", "reg=north", "reg=south", "z" }, enc.DenseNames);
        Assert.Equal(new[] { new EmbeddedColumn("c", 2) }, enc.Embedded);

        FittedFeature x = enc.Features[0];
        Assert.Equal(ColumnType.Numeric, x.Type);
        Assert.Equal(2.0, x.Mean, 12); // train values 1, 2, 3 (the test value 5 is not used)
        Assert.Equal(Math.Sqrt(2.0 / 3.0), x.Std, 12);
        Assert.Equal(ColumnType.Categorical, enc.Features[1].Type); // inferred
        Assert.Equal(new[] { "north", "south" }, enc.Features[1].Levels);
        Assert.Equal(6.0, enc.Features[2].Mean, 12); // 5 and 7; the missing value is skipped
        Assert.Equal(1.0, enc.Features[2].Std, 12);
        Assert.Equal(new[] { "a", "b" }, enc.Features[3].Levels);
        Assert.Equal(0, enc.Features[3].CodeIndex);
        Assert.Equal(-1, enc.Features[3].DenseOffset);
        Assert.Equal(2, enc.Features[1].DenseOffset);

        EncodedFeatures e = enc.Encode(Test);
        Assert.Equal(2, e.Rows);
        float[] expected =
        [
            (float)((5 - 2) / 0.816496580927726), 0, 0, 0, 0, // reg 'city' unseen -> zeros; z missing -> 0
            0, 1, 0, 1, -5,                                    // x missing -> 0 with indicator; z = (1 - 6) / 1
        ];
        Assert.Equal(expected.Length, e.Dense.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], e.Dense[i], 5);
        }

        Assert.Equal(3.674235f, e.Dense[0], 4);
        Assert.Equal(new[] { 2, 0 }, e.Codes); // 'b' -> 1 + 1; unseen 'zz' -> 0
        Assert.Equal(new[] { 0, 1, 0, 1 }, e.UnseenLevels);

        EncodedFeatures tr = enc.Encode(Train);
        Assert.Equal(new[] { 1, 2, 1 }, tr.Codes);
        Assert.Equal(new[] { 0, 0, 0, 0 }, tr.UnseenLevels);
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 0 }, Enumerable.Range(0, 3).SelectMany(r => new[] { tr.Dense[(r * 5) + 2], tr.Dense[(r * 5) + 3] }));
        Assert.Equal(new float[] { 0, 0, 0 }, Enumerable.Range(0, 3).Select(r => tr.Dense[(r * 5) + 1])); // no missing x in train
    }

    [Fact]
    public void LevelsAreSortedOrdinallyAndConstantColumnsKeepStdOne()
    {
        CsvTable t = CsvTable.Parse("k,v\nb,4\na,4\nB,4\nb,4\n_,6\n", "o.csv");
        FeatureEncoder enc = FeatureEncoder.Fit(t, [new FeatureSpec("k"), new FeatureSpec("v")], [0, 1, 2, 3]);
        Assert.Equal(new[] { "B", "a", "b" }, enc.Features[0].Levels);
        Assert.Equal(new[] { "k=B", "k=a", "k=b", "v" }, enc.DenseNames);
        Assert.Equal(4.0, enc.Features[1].Mean);
        Assert.Equal(1.0, enc.Features[1].Std);
        Assert.Equal(new float[] { 0, 0, 0, 2 }, enc.Encode([4]).Dense);
    }

    [Fact]
    public void ExplicitTypeOverridesInference()
    {
        CsvTable t = CsvTable.Parse("code\n10\n9\n10\n", "e.csv");
        FeatureEncoder enc = FeatureEncoder.Fit(
            t, [new FeatureSpec("code") { Type = ColumnType.Categorical, Encoding = CategoricalEncoding.Embedded }], [0, 1, 2]);
        Assert.Equal(0, enc.Width);
        Assert.Equal(new[] { "10", "9" }, enc.Features[0].Levels); // ordinal, not numeric
        Assert.Equal(new[] { 1, 2, 1 }, enc.Encode([0, 1, 2]).Codes);
    }

    [Fact]
    public void NonNumberInNumericColumnNamesFileLineAndColumn()
    {
        CsvTable t = CsvTable.Parse("age,y\n1,a\n2,b\nabc,c\n", "p.csv");
        var spec = new FeatureSpec("age") { Type = ColumnType.Numeric };
        InvalidDataException atFit = Assert.Throws<InvalidDataException>(() => FeatureEncoder.Fit(t, [spec], [0, 1, 2]));
        Assert.Equal("p.csv:4: column 'age': 'abc' is not a number", atFit.Message);

        FeatureEncoder enc = FeatureEncoder.Fit(t, [spec], [0, 1]);
        InvalidDataException atEncode = Assert.Throws<InvalidDataException>(() => enc.Encode([0, 2]));
        Assert.Equal("p.csv:4: column 'age': 'abc' is not a number", atEncode.Message);
    }

    [Fact]
    public void NonFiniteFeatureValuesAreErrors()
    {
        CsvTable t = CsvTable.Parse("x\n1\n2\nNaN\nInfinity\n-Infinity\n", "n.csv");
        InvalidDataException fit = Assert.Throws<InvalidDataException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("x")], [0, 1, 2]));
        Assert.Equal("n.csv:4: column 'x': NaN in a feature (leave the field empty for a missing value)", fit.Message);

        FeatureEncoder enc = FeatureEncoder.Fit(t, [new FeatureSpec("x")], [0, 1]);
        InvalidDataException inf = Assert.Throws<InvalidDataException>(() => enc.Encode([4]));
        Assert.StartsWith("n.csv:6: column 'x':", inf.Message);
        Assert.Contains("'-Infinity' in a feature", inf.Message);
        Assert.Contains("n.csv:5:", Assert.Throws<InvalidDataException>(() => enc.Encode([3])).Message);
    }

    [Fact]
    public void ErrorsInAJoinedTableNameTheColumnsOwnFile()
    {
        CsvTable left = CsvTable.Parse("a\n1\n2\n", "left.csv");
        CsvTable right = CsvTable.Parse("b\n\"multi\nline\"\nzz\n", "right.csv"); // rows start on lines 2 and 4
        CsvTable j = left.Join(right.Join(CsvTable.Parse("c\n3\nq\n", "c.csv")));
        FeatureEncoder enc = FeatureEncoder.Fit(j, [new FeatureSpec("c") { Type = ColumnType.Numeric }], [0]);
        Assert.Equal("c.csv:3: column 'c': 'q' is not a number", Assert.Throws<InvalidDataException>(() => enc.Encode([1])).Message);
        Assert.Equal("right.csv:4", j.Locate(1, 1));
    }

    [Fact]
    public void InconsistentSpecsAreArgumentErrors()
    {
        CsvTable t = CsvTable.Parse(Text, "f.csv");
        ArgumentException ind = Assert.Throws<ArgumentException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("reg") { MissingIndicator = true }], Train));
        Assert.Contains("MissingIndicator applies to numeric columns", ind.Message);
        Assert.Contains("'north' at f.csv:2 is not a number", ind.Message);

        ArgumentException emb = Assert.Throws<ArgumentException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("x") { Encoding = CategoricalEncoding.Embedded }], Train));
        Assert.Contains("Type = ColumnType.Categorical", emb.Message);

        Assert.Throws<ArgumentException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("x"), new FeatureSpec("x")], Train));
        Assert.Throws<ArgumentException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("x")], []));
        InvalidDataException missing = Assert.Throws<InvalidDataException>(() => FeatureEncoder.Fit(t, [new FeatureSpec("age")], Train));
        Assert.Equal("f.csv: no column 'age'; the columns are: x, reg, z, c", missing.Message);
    }
}
