using System.Xml.Linq;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Reporting;

public sealed class RelationshipReportTests
{
    private const string Nasty = "<b>&\"'</b>";

    [Fact]
    public void TheRelationshipSectionDrawsOneChartPerStatisticAndOneHeatmapPerMatrix()
    {
        string[] names = [Nasty, "b", "c"];
        double[] x = [.. Enumerable.Range(1, 50).Select(i => (double)i)];
        var curves = new List<Curve>();
        foreach (string stat in new[] { "cosine", "conflict", "magnitude" })
        {
            foreach (string layer in new[] { "all", "layers.0", Nasty })
            {
                curves.Add(new Curve($"{stat} · {layer}", "updates", x, [.. x.Select(v => Math.Sin(v) / 2)]));
            }
        }

        double[][] m = [[1, 0.5, double.NaN], [0.5, 1, -0.2], [0, -0.2, 1]];
        var report = SampleReports.Create(tasks: 3, layers: 1, components: 2, points: 50) with
        {
            GradientCurves = curves,
            Relationships = [new NamedMatrix("Gradient cosine of the shared parameters, updates 0–10", names, names, m), new NamedMatrix("Lookahead affinity Z(row → column) over the run (TAG)", names, names, m)],
            TaskAffinity = m,
        };
        string html = HtmlReportWriter.Render(report);
        Assert.Contains("<section id=\"relationships\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Nasty, html, StringComparison.Ordinal);
        var svgs = HtmlReportWriterTests.ParseSvgs(html);
        string Kind(XElement e) => (string?)e.Attribute("data-kind") ?? "";
        Assert.Equal(
            ["gradient-cosine", "gradient-conflict", "gradient-magnitude", "gradient-cosine-matrix", "affinity"],
            svgs.Select(Kind).Where(k => k.StartsWith("gradient", StringComparison.Ordinal) || k == "affinity"));
        Assert.All(svgs.Where(s => Kind(s).StartsWith("gradient-c", StringComparison.Ordinal) && Kind(s) != "gradient-cosine-matrix"),
            s => Assert.Equal(4, s.Descendants().Count(d => d.Name.LocalName == "path" && ((string?)d.Attribute("fill")) == "none")));   // a line per layer (3) and the plot frame

        // The report's JSON keeps the new fields.
        var back = RunReportJson.Deserialize(RunReportJson.Serialize(report));
        Assert.Equal(9, back.GradientCurves.Count);
        Assert.Equal(-0.2, back.TaskAffinity![1][2]);
        Assert.True(double.IsNaN(back.TaskAffinity[0][2]));
    }

    [Fact]
    public void TheGroupingPageAndJsonDescribeTheChosenNetworks()
    {
        var study = new GroupingStudy
        {
            Method = GroupingMethod.Standley,
            Tasks = [Nasty, "b", "c"],
            Metrics = ["mse", "mse", "accuracy"],
            HigherIsBetter = [false, false, true],
            Budget = 2,
            Grouping = new TaskGrouping([new TaskGroupNetwork([0, 1], [0, 1], [-1, -2]), new TaskGroupNetwork([0, 2], [2], [0.9])], -2.1, true),
            Relation = [[0, 0.1, -0.3], [0.2, 0, 0], [double.NaN, 0, 0]],
            Predicted = [1, 2, 0.9],
            MethodSeconds = 3.5,
            Runs = [new GroupTraining([0, 1], [-1, -2], [1.1, 2.2], 1.5, "standley")],
        };
        string html = GroupingReportWriter.Render(study, "t");
        Assert.DoesNotContain(Nasty, html, StringComparison.Ordinal);
        var svgs = HtmlReportWriterTests.ParseSvgs(html);
        Assert.Equal(["grouping", "relation"], svgs.Select(s => (string)s.Attribute("data-kind")!));
        using var json = System.Text.Json.JsonDocument.Parse(GroupingReportWriter.Json(study));
        var networks = json.RootElement.GetProperty("networks");
        Assert.Equal(2, networks.GetArrayLength());
        Assert.Equal("c", networks[1].GetProperty("serves")[0].GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.RootElement.GetProperty("relation")[2][0].ValueKind);
    }
}
