using System.Text;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>
/// Task relationships: one chart per gradient statistic (pairwise cosine, conflicting-pair fraction, magnitude
/// similarity) with a line per shared layer, then the task × task heatmaps (gradient cosine per phase, lookahead
/// affinity per phase and over the run).
/// </summary>
internal static class RelationshipSection
{
    private static readonly (string Key, string Title)[] Statistics =
    [
        ("cosine", "Mean pairwise cosine of the task gradients"),
        ("conflict", "Fraction of conflicting task pairs (cosine < 0)"),
        ("magnitude", "Mean magnitude similarity 2|gi||gj|/(|gi|²+|gj|²)"),
    ];

    /// <summary>Appends the section; nothing without gradient curves or relationship matrices.</summary>
    public static void Append(StringBuilder sb, RunReport r, HtmlReportOptions options)
    {
        if (r.GradientCurves.Count == 0 && r.Relationships.Count == 0) return;
        sb.Append("<section id=\"relationships\"><h2>Task relationships</h2>");
        if (r.GradientCurves.Count > 0)
        {
            sb.Append("<p class=\"note\">Per-task gradients of the shared parameters, per shared layer and over all of them (\"all\"); lines are smoothed.</p><div class=\"grid\">");
            foreach (var (key, title) in Statistics)
            {
                var chart = new SvgLineChart
                {
                    Kind = "gradient-" + key, Title = title, XLabel = "updates", YLabel = key, Width = 540, PlotHeight = 220,
                };
                int i = 0;
                foreach (var c in r.GradientCurves.Where(c => c.Name.StartsWith(key + " · ", StringComparison.Ordinal)))
                {
                    int n = Math.Min(c.X.Length, c.Y.Length);
                    if (n == 0) continue;
                    double[] y = options.Smooth ? SeriesMath.Smooth(c.Y[..n], SeriesMath.DefaultWindow(n)) : c.Y[..n];
                    var (x, ys) = SeriesMath.Downsample(c.X[..n], y, options.MaxPoints);
                    chart.Series.Add(new LineSeries(c.Name[(key.Length + 3)..], x, ys, Palette.Color(i), i == 0 ? 2.4 : 1.4, 1, Palette.Dash(i)));
                    i++;
                }

                if (i > 0) sb.Append("<div>").Append(chart.Render()).Append("</div>");
            }

            sb.Append("</div>");
        }

        if (r.Relationships.Count > 0)
        {
            sb.Append("<div class=\"flow\">");
            foreach (var m in r.Relationships)
            {
                bool affinity = m.Name.Contains("affinity", StringComparison.Ordinal);
                double max = 0;
                foreach (var row in m.Values)
                    foreach (double v in row)
                        if (double.IsFinite(v)) max = Math.Max(max, Math.Abs(v));
                var map = new SvgHeatmap
                {
                    Kind = affinity ? "affinity" : "gradient-cosine-matrix", Title = m.Name, RowLabels = m.RowLabels, ColumnLabels = m.ColumnLabels,
                    Values = m.Values, Diverging = true, Domain = affinity ? (-Math.Max(max, 1e-12), Math.Max(max, 1e-12)) : (-1, 1),
                    ShowValues = m.Values.Length <= 10,
                };
                sb.Append(map.Render());
            }

            sb.Append("</div>");
        }

        sb.Append("</section>");
    }
}
