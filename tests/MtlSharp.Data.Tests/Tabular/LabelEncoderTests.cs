using MtlSharp.Data.Tabular;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class LabelEncoderTests
{
    [Fact]
    public void NumericClassesSortNumericallyAndMissingIsMasked()
    {
        CsvTable t = CsvTable.Parse("y\n10\n9\n2\n\n10\n", "c.csv");
        ClassLabels c = LabelEncoder.FitClasses(t, "y", [0, 1, 2, 3]);
        Assert.Equal(new[] { "2", "9", "10" }, c.Classes);
        Assert.Equal("y", c.Column);
        int[] y = c.Encode([0, 1, 2, 3, 4], out float[] mask);
        Assert.Equal(new[] { 2, 1, 0, 0, 2 }, y);
        Assert.Equal(new float[] { 1, 1, 1, 0, 1 }, mask);
    }

    [Fact]
    public void TextClassesSortOrdinally()
    {
        CsvTable t = CsvTable.Parse("area\nb\nA\na\n10\n", "t.csv");
        ClassLabels c = LabelEncoder.FitClasses(t, "area", [0, 1, 2, 3]);
        Assert.Equal(new[] { "10", "A", "a", "b" }, c.Classes);
        Assert.Equal(new[] { 3, 1 }, c.Encode([0, 1], out _));
    }

    [Fact]
    public void LabelUnseenInTrainingIsAnErrorWithLine()
    {
        CsvTable t = CsvTable.Parse("id,area\n1,a\n2,\"b\"\n3,c\n4,X\n", "lab.csv");
        ClassLabels c = LabelEncoder.FitClasses(t, "area", [0, 1, 2]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => c.Encode([0, 3], out _));
        Assert.Equal("lab.csv:5: column 'area': label 'X' does not occur in the training split (its classes are: a, b, c)", e.Message);
    }

    [Fact]
    public void NoTrainingLabelIsAnError()
    {
        CsvTable t = CsvTable.Parse("y,x\n,1\n,2\nq,3\n", "none.csv");
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => LabelEncoder.FitClasses(t, "y", [0, 1]));
        Assert.StartsWith("none.csv: column 'y': no label in the 2 training rows", e.Message);
    }

    [Fact]
    public void RegressionStandardisesWithTrainStatisticsAndMasksMissing()
    {
        CsvTable t = CsvTable.Parse("h\n1\n\n3\n2\n5\n", "r.csv");
        int[] train = [0, 1, 2, 3];
        RegressionLabels r = LabelEncoder.FitRegression(t, "h", train, standardize: true);
        double std = Math.Sqrt(2.0 / 3.0);
        Assert.Equal(2.0, r.Mean, 12);
        Assert.Equal(std, r.Std, 12);
        float[] y = r.Encode([0, 1, 4], out float[] mask);
        Assert.Equal(new float[] { 1, 0, 1 }, mask);
        Assert.Equal((float)(-1 / std), y[0], 5);
        Assert.Equal(0f, y[1]);
        Assert.Equal((float)(3 / std), y[2], 5);
        Assert.Equal(5.0, r.Decode(y[2]), 5);

        RegressionLabels raw = LabelEncoder.FitRegression(t, "h", train, standardize: false);
        Assert.Equal(0.0, raw.Mean);
        Assert.Equal(1.0, raw.Std);
        Assert.Equal(new float[] { 1, 0, 5 }, raw.Encode([0, 1, 4], out _));

        RegressionLabels constant = LabelEncoder.FitRegression(CsvTable.Parse("h\n4\n4\n", "k.csv"), "h", [0, 1], standardize: true);
        Assert.Equal(1.0, constant.Std);
        Assert.Equal(4.0, constant.Mean);
    }

    [Fact]
    public void RegressionRejectsNonNumbersAndNonFiniteValues()
    {
        CsvTable t = CsvTable.Parse("h\n1\nabc\nNaN\n", "bad.csv");
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => LabelEncoder.FitRegression(t, "h", [0, 1], true));
        Assert.Equal("bad.csv:3: column 'h': 'abc' is not a number", e.Message);
        RegressionLabels r = LabelEncoder.FitRegression(t, "h", [0], true);
        InvalidDataException nan = Assert.Throws<InvalidDataException>(() => r.Encode([2], out _));
        Assert.Equal("bad.csv:4: column 'h': NaN in a label (leave the field empty for a missing value)", nan.Message);
    }

    [Fact]
    public void MultiLabelValuesAndMask()
    {
        CsvTable t = CsvTable.Parse("a,b,c\n1,0,TRUE\n0,,false\nFALSE,true,1.0\n", "m.csv");
        MultiLabels m = LabelEncoder.FitMultiLabel(t, ["c", "a", "b"]);
        Assert.Equal(new[] { "c", "a", "b" }, m.Columns);
        float[] y = m.Encode([0, 1, 2], out float[] mask);
        Assert.Equal(new float[] { 1, 1, 0, 0, 0, 0, 1, 0, 1 }, y);
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 0, 1, 1, 1 }, mask);
    }

    [Fact]
    public void MultiLabelRejectsOtherValues()
    {
        CsvTable t = CsvTable.Parse("a,b\n1,0\n0,2\n", "m.csv");
        MultiLabels m = LabelEncoder.FitMultiLabel(t, ["a", "b"]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => m.Encode([0, 1], out _));
        Assert.Equal("m.csv:3: column 'b': '2' is not a 0/1 label; expected 0, 1, TRUE or FALSE", e.Message);
        Assert.Throws<InvalidDataException>(() => LabelEncoder.FitMultiLabel(t, ["a", "zz"]));
        Assert.Throws<ArgumentException>(() => LabelEncoder.FitMultiLabel(t, ["a", "a"]));
    }
}
