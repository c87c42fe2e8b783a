using System.Text.RegularExpressions;
using System.Xml.Linq;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Reporting;

public sealed partial class HtmlReportWriterTests
{
    private const string Nasty = "<b>&\"'</b> ∑ \u0001";

    [GeneratedRegex("<svg\\b.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();

    [GeneratedRegex("data-kind=\"([a-z-]+)\"")]
    private static partial Regex DataKind();

    internal static List<XElement> ParseSvgs(string html) =>
        [.. SvgElement().Matches(html).Select(m => XElement.Parse(m.Value))];

    private static Dictionary<string, int> CountKinds(string html) =>
        DataKind().Matches(html).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Render_HasOneSvgPerExpectedChart()
    {
        var report = SampleReports.Create(tasks: 4, layers: 3, components: 4, points: 400);
        string html = HtmlReportWriter.Render(report);
        var kinds = CountKinds(html);
        Assert.Equal(4, kinds["loss"]);
        Assert.Equal(1, kinds["loss-overview"]);
        Assert.Equal(4, kinds["metric"]);
        Assert.Equal(1, kinds["metric-overview"]);
        Assert.Equal(4 * 3, kinds["allocation-history"]);
        Assert.Equal(3, kinds["allocation"]);
        Assert.Equal(1, kinds["similarity"]);
        Assert.Equal(report.Matrices.Count, kinds["matrix"]);
        Assert.Equal(kinds.Values.Sum(), ParseSvgs(html).Count);
    }

    [Fact]
    public void Render_SvgFragmentsAreXmlValid_AndEachHasContent()
    {
        string html = HtmlReportWriter.Render(SampleReports.Create(tasks: 4, layers: 2, components: 3, points: 300, firstTaskName: Nasty));
        var svgs = ParseSvgs(html);
        Assert.NotEmpty(svgs);
        XNamespace ns = "http://www.w3.org/2000/svg";
        foreach (var svg in svgs)
        {
            Assert.Equal(ns + "svg", svg.Name);
            Assert.True(double.Parse((string)svg.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.True(svg.Descendants().Count() > 5, "chart has almost no elements");
        }
        // line charts really contain lines
        foreach (var svg in svgs.Where(s => (string?)s.Attribute("data-kind") == "loss"))
            Assert.Contains(svg.Descendants(ns + "path"), p => ((string)p.Attribute("d")!).Count(c => c == 'L') > 100);
    }

    [Fact]
    public void Render_EscapesTaskNamesEverywhere()
    {
        string html = HtmlReportWriter.Render(SampleReports.Create(tasks: 3, layers: 1, components: 2, points: 50, snapshots: 10,
            firstTaskName: Nasty));
        Assert.DoesNotContain("<b>&", html);
        Assert.DoesNotContain("\u0001", html);
        Assert.Contains("&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;", html);
        // the name survives XML parsing of the SVGs (used as title/label text)
        var texts = ParseSvgs(html).SelectMany(s => s.DescendantNodes().OfType<XText>()).Select(t => t.Value);
        Assert.Contains(texts, t => t.Contains("<b>&\"'</b>", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_IsSelfContained()
    {
        string html = HtmlReportWriter.Render(SampleReports.Create(points: 100));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("url(", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public void Render_OmitsSectionsWithoutData()
    {
        var report = new RunReport
        {
            Preset = "p", Method = "no-sharing", Seed = 1, Tasks = [new TaskResult("t", "mse", 0.5)], MeanTest = 0.5,
            TrainSeconds = 1, UpdatesPerSecond = 2,
        };
        string html = HtmlReportWriter.Render(report);
        Assert.Contains("id=\"results\"", html);
        foreach (string id in new[] { "loss", "metrics", "allocation-history", "allocation", "similarity", "matrices" })
            Assert.DoesNotContain($"<section id=\"{id}\"", html);
        Assert.Empty(ParseSvgs(html));
    }

    [Fact]
    public void Render_LogScale_WhenLossSpansDecades_AndDownsamples()
    {
        var x = Enumerable.Range(0, 5000).Select(i => (double)i).ToArray();
        var y = x.Select(v => 10 * Math.Exp(-v / 400)).ToArray(); // 10 → 10·e^-12.5: > 5 decades
        var report = new RunReport
        {
            Preset = "p", Method = "m", Seed = 1, Tasks = [new TaskResult("a", "mse", 0.1)], MeanTest = 0.1,
            TrainSeconds = 1, UpdatesPerSecond = 2, LossCurves = [new Curve("a", "updates", x, y)],
        };
        string html = HtmlReportWriter.Render(report);
        var chart = ParseSvgs(html).Single(s => (string?)s.Attribute("data-kind") == "loss");
        Assert.Contains(chart.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value == "loss (log)");
        foreach (var path in chart.Descendants().Where(e => e.Name.LocalName == "path" && ((string)e.Attribute("d")!).Contains('L')))
            Assert.InRange(((string)path.Attribute("d")!).Count(c => c == 'L'), 1, 500);
    }

    [Fact]
    public void Render_NonFiniteValues_DoNotBreakTheChart()
    {
        var y = new[] { 1.0, 0.5, double.NaN, double.PositiveInfinity, 0.25, 0.2 };
        var report = new RunReport
        {
            Preset = "p", Method = "m", Seed = 1, Tasks = [new TaskResult("a", "mse", double.NaN)], MeanTest = double.NaN,
            TrainSeconds = 1, UpdatesPerSecond = 2, LossCurves = [new Curve("a", "updates", [0, 1, 2, 3, 4, 5], y)],
            TaskSimilarity = [[double.NaN]],
        };
        string html = HtmlReportWriter.Render(report);
        Assert.DoesNotContain("Infinity", html);
        Assert.Equal(2, ParseSvgs(html).Count);
    }

    [Fact]
    public void Render_ManyTasks_ScalesToSmallMultiples()
    {
        var report = SampleReports.Create(tasks: 20, layers: 8, components: 7, points: 2000);
        string html = HtmlReportWriter.Render(report);
        var kinds = CountKinds(html);
        Assert.Equal(20 * 8, kinds["allocation-history"]);
        Assert.Equal(8, kinds["allocation"]);
        Assert.False(kinds.ContainsKey("loss-overview")); // too many lines for one chart
        Assert.InRange(html.Length, 100_000, 8_000_000);
    }

    [Fact]
    public void Save_WritesFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtlsharp-html-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "report.html");
            HtmlReportWriter.Save(SampleReports.Create(points: 100), path);
            Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
