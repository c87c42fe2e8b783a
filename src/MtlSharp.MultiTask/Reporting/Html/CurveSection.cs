using System.Text;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>
/// A section of curves (training loss or metrics): an overview chart with every curve's (smoothed) line when there
/// are 2–8 curves, then one small chart per curve with its raw line faint behind the smoothed one.
/// </summary>
internal static class CurveSection
{
    /// <summary>Appends the section; nothing when <paramref name="curves"/> is empty.</summary>
    public static void Append(StringBuilder sb, string id, string title, string kind, string yLabel,
        IReadOnlyList<Curve> curves, HtmlReportOptions options)
    {
        if (curves.Count == 0) return;
        sb.Append("<section id=\"").Append(id).Append("\"><h2>").Append(Markup.Escape(title)).Append("</h2>");

        var prepared = new List<(Curve C, double[] Rx, double[] Ry, double[]? Sx, double[]? Sy, int Window)>(curves.Count);
        foreach (var c in curves)
        {
            int n = Math.Min(c.X.Length, c.Y.Length);
            double[] x = c.X.Length == n ? c.X : c.X[..n], y = c.Y.Length == n ? c.Y : c.Y[..n];
            int window = options.Smooth ? SeriesMath.DefaultWindow(n) : 1;
            var (rx, ry) = SeriesMath.Downsample(x, y, options.MaxPoints);
            double[]? sx = null, sy = null;
            if (window > 1) (sx, sy) = SeriesMath.Downsample(x, SeriesMath.Smooth(y, window), options.MaxPoints);
            prepared.Add((c, rx, ry, sx, sy, window));
        }
        int maxWindow = 0;
        foreach (var p in prepared) maxWindow = Math.Max(maxWindow, p.Window);
        if (maxWindow > 1)
            sb.Append("<p class=\"note\">Bold lines: centred moving average (window ≈ 2% of the points, here up to ")
              .Append(maxWindow).Append("); faint lines: raw values. Long series are downsampled to ")
              .Append(options.MaxPoints).Append(" points (LTTB).</p>");

        if (curves.Count is >= 2 and <= 8)
        {
            var overview = new SvgLineChart
            {
                Kind = kind + "-overview", Title = "All curves", XLabel = curves[0].XLabel, YLabel = yLabel, Width = 1100,
                PlotHeight = 280,
            };
            for (int i = 0; i < prepared.Count; i++)
            {
                var p = prepared[i];
                overview.Series.Add(new LineSeries(p.C.Name, p.Sx ?? p.Rx, p.Sy ?? p.Ry, Palette.Color(i), 1.8, 1, Palette.Dash(i)));
            }
            sb.Append(overview.Render());
        }

        sb.Append("<div class=\"grid\">");
        for (int i = 0; i < prepared.Count; i++)
        {
            var p = prepared[i];
            string color = Palette.Color(i);
            var chart = new SvgLineChart
            {
                Kind = kind, Title = p.C.Name, XLabel = p.C.XLabel, YLabel = yLabel, Width = 540, PlotHeight = 200,
                ShowLegend = p.Sx is not null,
            };
            if (p.Sx is not null)
            {
                chart.Series.Add(new LineSeries("raw", p.Rx, p.Ry, color, 1, 0.3));
                chart.Series.Add(new LineSeries("smoothed (" + p.Window + " pts)", p.Sx, p.Sy!, color, 2));
            }
            else
            {
                chart.Series.Add(new LineSeries(p.C.Name, p.Rx, p.Ry, color, 1.8));
            }
            sb.Append("<div>").Append(chart.Render()).Append("</div>");
        }
        sb.Append("</div></section>");
    }
}
