using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.Tensors;
using MtlSharp.Testing;
using static MtlSharp.MultiTask.Tests.Strategies.Aggregation.AggregatorTestData;

namespace MtlSharp.MultiTask.Tests.Strategies.Aggregation;

/// <summary>Every aggregator against tests/fixtures/gen_aggregators.py (NumPy, independent solvers) within 1e-5.</summary>
public sealed class AggregatorFixtureTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<int> CaseIndices => new() { 0, 1, 2, 3 };

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void PcGradMatchesTheReferenceForTheGivenOrders(int index)
    {
        var c = Cases.Value[index];
        var m = Matrix(c.GetProperty("gradients"));
        var pc = c.GetProperty("pcgrad");
        int[][] orders = pc.GetProperty("orders").EnumerateArray().Select(o => o.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
        var coefficients = PcGradAggregator.Projections(m.Gram(), orders);
        var projected = Doubles(pc.GetProperty("projected").GetProperty("data"));
        for (int i = 0; i < m.Rows; i++)
        {
            for (int k = 0; k < m.Columns; k++)
            {
                double v = 0;
                for (int j = 0; j < m.Rows; j++)
                {
                    v += coefficients[i, j] * m.Row(j)[k];
                }

                Assert.True(Math.Abs(projected[(i * m.Columns) + k] - v) <= Tolerance, $"projected[{i},{k}]");
            }
        }

        var w = PcGradAggregator.Weights(coefficients);
        var d = new float[m.Columns];
        for (int i = 0; i < m.Rows; i++)
        {
            for (int k = 0; k < m.Columns; k++)
            {
                d[k] += (float)w[i] * m.Row(i)[k];
            }
        }

        Close(Doubles(pc.GetProperty("direction")), d, Tolerance, c.GetProperty("name").GetString() + " pcgrad");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void MgdaMatchesTheReference(int index) => Check(index, "mgda", new MgdaAggregator());

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void UpGradMatchesTheReference(int index) => Check(index, "upgrad", new UpGradAggregator());

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void ImtlGMatchesTheReference(int index) => Check(index, "imtlg", new ImtlGAggregator());

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void AlignedMtlMatchesTheReference(int index) => Check(index, "alignedmtl", new AlignedMtlAggregator());

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void ConfigMatchesTheReference(int index) => Check(index, "config", new ConfigAggregator());

    public static TheoryData<int> RankDeficientIndices => new() { 0, 1 };

    [Theory]
    [MemberData(nameof(RankDeficientIndices))]
    public void AlignedMtlAndConfigMatchTheReferenceOnDependentRows(int index)
    {
        var c = Fixtures.Load("aggregators/aggregators.json").GetProperty("rank_deficient")[index];
        var m = Matrix(c.GetProperty("gradients"));
        string name = c.GetProperty("name").GetString()!;
        var d = Run(new AlignedMtlAggregator(), m, out var w);
        Close(Doubles(c.GetProperty("alignedmtl").GetProperty("weights")), w, Tolerance, name + " alignedmtl weights");
        Close(Doubles(c.GetProperty("alignedmtl").GetProperty("direction")), d, Tolerance, name + " alignedmtl");
        // ConFIG's weights are not unique for dependent rows (the reference takes the least-squares ones): the direction is.
        d = Run(new ConfigAggregator(), m, out _);
        Close(Doubles(c.GetProperty("config").GetProperty("direction")), d, Tolerance, name + " config");
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void CaGradMatchesTheReference(int index)
    {
        var c = Cases.Value[index];
        var m = Matrix(c.GetProperty("gradients"));
        foreach (var r in c.GetProperty("cagrad").EnumerateArray())
        {
            double cc = r.GetProperty("c").GetDouble();
            var d = Run(new CaGradAggregator(cc), m, out var w);
            string what = $"{c.GetProperty("name").GetString()} cagrad c={cc}";
            Close(Doubles(r.GetProperty("weights")), w, Tolerance, what + " weights");
            Close(Doubles(r.GetProperty("direction")), d, Tolerance, what);
        }
    }

    private static void Check(int index, string key, IGradientAggregator aggregator)
    {
        var c = Cases.Value[index];
        var m = Matrix(c.GetProperty("gradients"));
        var expected = c.GetProperty(key);
        var d = Run(aggregator, m, out var w);
        string what = $"{c.GetProperty("name").GetString()} {key}";
        Close(Doubles(expected.GetProperty("weights")), w, Tolerance, what + " weights");
        Close(Doubles(expected.GetProperty("direction")), d, Tolerance, what);
    }

    [Fact]
    public void TheRegistryAndNamesCoverEveryKind()
    {
        foreach (var kind in Enum.GetValues<AggregatorKind>())
        {
            var a = Aggregators.Create(kind, new Rng(1));
            Assert.Equal(kind == AggregatorKind.None, a is null);
            if (a is not null)
            {
                Assert.Equal(kind.ToString().ToLowerInvariant(), a.Name);
            }
        }
    }
}
