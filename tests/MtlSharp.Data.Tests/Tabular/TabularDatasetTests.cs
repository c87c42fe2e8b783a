using MtlSharp.Data.Tabular;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests.Tabular;

public sealed class TabularDatasetTests
{
    private static string PathOf(string folder, string file) => Path.Combine(Fixtures.DatasetsDir, folder, file);

    [DatasetFact("olive")]
    public void OliveOilHas572RowsAndItsColumns()
    {
        CsvTable t = CsvTable.Read(PathOf("olive", "olive.csv"));
        Assert.Equal(572, t.RowCount);
        Assert.Equal(
            new[] { "region", "area", "palmitic", "palmitoleic", "stearic", "oleic", "linoleic", "linolenic", "arachidic", "eicosenoic" },
            t.Columns);
        int[] all = [.. Enumerable.Range(0, t.RowCount)];
        Assert.Equal(ColumnType.Categorical, t.Infer(t.IndexOf("area"), all));
        Assert.Equal(ColumnType.Numeric, t.Infer(t.IndexOf("oleic"), all));
        Assert.Equal("Southern Italy", t.Get(0, 0));
        Assert.Equal(573, t.LineOf(571));
        Assert.Equal(3, LabelEncoder.FitClasses(t, "region", all).Classes.Count);
        Assert.Equal(9, LabelEncoder.FitClasses(t, "area", all).Classes.Count);
    }

    [DatasetFact("boys")]
    public void BoysHas748RowsAndMissingValues()
    {
        CsvTable t = CsvTable.Read(PathOf("boys", "boys.csv"));
        Assert.Equal(748, t.RowCount);
        Assert.Equal(new[] { "age", "hgt", "wgt", "bmi", "hc", "gen", "phb", "tv", "reg" }, t.Columns);
        Assert.Equal(503, t.CountMissing(t.IndexOf("gen")));
        Assert.Equal(0, t.CountMissing(t.IndexOf("age")));
        Assert.Equal(3, t.CountMissing(t.IndexOf("reg")));

        (int[] train, _, int[] test) = TabularSplit.ByFraction(t.RowCount, 0.1, 0.2, seed: 1);
        FeatureEncoder enc = FeatureEncoder.Fit(t, [new FeatureSpec("age"), new FeatureSpec("reg")], train);
        Assert.Equal(new[] { "age", "reg=city", "reg=east", "reg=north", "reg=south", "reg=west" }, enc.DenseNames);
        Assert.Equal(test.Length * 6, enc.Encode(test).Dense.Length);
        RegressionLabels hgt = LabelEncoder.FitRegression(t, "hgt", train, standardize: true);
        hgt.Encode(train, out float[] mask);
        Assert.Equal(train.Length - train.Count(r => t.Get(r, t.IndexOf("hgt")) is null), (int)mask.Sum());
    }
}
