using System.Text;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// A self-contained SVG line chart: axes, grid, ticks, axis labels, optional title and legend, linear or log10 y
/// (automatically log when every value is positive and they span more than two decades). Non-finite values break
/// lines. Series should already be downsampled (see <see cref="SeriesMath"/>); short series get point markers.
/// Output is valid XML (<c>xmlns</c> set, all text escaped).
/// </summary>
internal sealed class SvgLineChart
{
    /// <summary>How the y axis is scaled.</summary>
    public enum YAxisMode
    {
        /// <summary>Log10 when all values are positive and max/min &gt; 100, linear otherwise.</summary>
        Auto,

        /// <summary>Always linear.</summary>
        Linear,

        /// <summary>Log10 (falls back to linear when no value is positive).</summary>
        Log,
    }

    /// <summary>The lines to draw, back to front.</summary>
    public List<LineSeries> Series { get; } = [];

    /// <summary>Value of the <c>data-kind</c> attribute (lets tests and readers find the chart).</summary>
    public string Kind { get; init; } = "line";

    /// <summary>Title drawn above the plot, or null.</summary>
    public string? Title { get; init; }

    /// <summary>x-axis label, or null.</summary>
    public string? XLabel { get; init; }

    /// <summary>y-axis label, or null.</summary>
    public string? YLabel { get; init; }

    /// <summary>Total width in pixels.</summary>
    public int Width { get; init; } = 520;

    /// <summary>Plot-area height in pixels (the SVG grows for title, ticks and legend).</summary>
    public int PlotHeight { get; init; } = 220;

    /// <summary>y scaling.</summary>
    public YAxisMode YAxis { get; init; } = YAxisMode.Auto;

    /// <summary>Fixed y domain (both set: no automatic range, e.g. [0, 1] for probabilities).</summary>
    public (double Min, double Max)? YDomain { get; init; }

    /// <summary>Small-multiple mode: small fonts, 3 ticks per axis, no axis labels.</summary>
    public bool Compact { get; init; }

    /// <summary>Whether to draw a legend of the named series below the plot.</summary>
    public bool ShowLegend { get; init; } = true;

    /// <summary>Renders the chart as an <c>&lt;svg&gt;</c> element.</summary>
    public string Render()
    {
        double tickFont = Compact ? 9 : 11, labelFont = 12, titleFont = 13;
        double charW = tickFont * 0.6;
        int ticks = Compact ? 3 : 6;

        // y domain
        bool log = false;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity, posMin = double.PositiveInfinity;
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        foreach (var s in Series)
        {
            int n = Math.Min(s.X.Length, s.Y.Length);
            for (int i = 0; i < n; i++)
            {
                double y = s.Y[i];
                if (!double.IsFinite(y) || !double.IsFinite(s.X[i])) continue;
                yMin = Math.Min(yMin, y);
                yMax = Math.Max(yMax, y);
                if (y > 0) posMin = Math.Min(posMin, y);
                xMin = Math.Min(xMin, s.X[i]);
                xMax = Math.Max(xMax, s.X[i]);
            }
        }
        bool any = double.IsFinite(yMin);
        if (!any) { yMin = 0; yMax = 1; xMin = 0; xMax = 1; }
        if (YDomain is { } d) { yMin = d.Min; yMax = d.Max; }
        else if (any && yMin > 0 && YAxis != YAxisMode.Linear)
            log = YAxis == YAxisMode.Log || yMax / yMin > 100;
        else if (YAxis == YAxisMode.Log && double.IsFinite(posMin))
        {
            log = true;
            yMin = posMin;
        }
        if (xMax <= xMin) xMax = xMin + 1;

        AxisScale MakeY(double p0, double p1) => log
            ? AxisScale.Log(yMin, yMax, p0, p1, ticks)
            : AxisScale.Linear(yMin, yMax, p0, p1, Compact ? 3 : 5, nice: YDomain is null);

        // margins
        int maxLabel = 1;
        foreach (var t in MakeY(1, 0).Ticks) maxLabel = Math.Max(maxLabel, t.Label.Length);
        double left = 8 + maxLabel * charW + 6 + (YLabel is not null && !Compact ? labelFont + 6 : 0);
        double right = Compact ? 8 : 14;
        double top = Title is not null ? titleFont + 12 : (Compact ? 6 : 10);
        double plotW = Math.Max(20, Width - left - right);
        double plotH = PlotHeight;
        double bottomAxis = tickFont + 8 + (XLabel is not null && !Compact ? labelFont + 8 : 0);

        // legend layout (rows of items)
        var legend = new List<(LineSeries S, string Text, double X, int Row)>();
        if (ShowLegend)
        {
            double lx = 0;
            int row = 0;
            foreach (var s in Series)
            {
                if (s.Name is null) continue;
                string text = Markup.Truncate(s.Name, 32);
                double w = 26 + text.Length * 11 * 0.6 + 14;
                if (lx > 0 && lx + w > plotW) { lx = 0; row++; }
                legend.Add((s, text, lx, row));
                lx += w;
            }
        }
        int legendRows = legend.Count == 0 ? 0 : legend[^1].Row + 1;
        double legendTop = top + plotH + bottomAxis + 6;
        double height = legendTop + legendRows * 17 + (legendRows > 0 ? 2 : 0);

        var ys = MakeY(top + plotH, top);
        var xs = AxisScale.Linear(xMin, xMax, left, left + plotW, Math.Clamp((int)(plotW / (Compact ? 70 : 90)), 3, Compact ? 5 : 8), nice: false);

        var sb = new StringBuilder(4096);
        SvgText.Open(sb, Kind, Width, height, Title ?? YLabel ?? Kind);
        if (Title is not null)
            sb.Append("<text x=\"").Append(Markup.F(left)).Append("\" y=\"").Append(Markup.F(titleFont + 3))
              .Append("\" font-size=\"").Append(titleFont).Append("\" font-weight=\"600\" fill=\"#222\">")
              .Append(Markup.Escape(Title)).Append("</text>");

        // grid + y ticks
        sb.Append("<g font-size=\"").Append(tickFont).Append("\" fill=\"#555\">");
        foreach (var (v, label) in ys.Ticks)
        {
            double py = ys.Map(v);
            sb.Append("<line x1=\"").Append(Markup.F(left)).Append("\" x2=\"").Append(Markup.F(left + plotW))
              .Append("\" y1=\"").Append(Markup.F(py)).Append("\" y2=\"").Append(Markup.F(py))
              .Append("\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>");
            sb.Append("<text x=\"").Append(Markup.F(left - 5)).Append("\" y=\"").Append(Markup.F(py + tickFont * 0.35))
              .Append("\" text-anchor=\"end\">").Append(Markup.Escape(label)).Append("</text>");
        }
        foreach (var (v, label) in xs.Ticks)
        {
            double px = xs.Map(v);
            sb.Append("<line x1=\"").Append(Markup.F(px)).Append("\" x2=\"").Append(Markup.F(px))
              .Append("\" y1=\"").Append(Markup.F(top + plotH)).Append("\" y2=\"").Append(Markup.F(top + plotH + 4))
              .Append("\" stroke=\"#888\"/>");
            sb.Append("<text x=\"").Append(Markup.F(px)).Append("\" y=\"").Append(Markup.F(top + plotH + 6 + tickFont))
              .Append("\" text-anchor=\"middle\">").Append(Markup.Escape(label)).Append("</text>");
        }
        sb.Append("</g>");
        // axes
        sb.Append("<path d=\"M").Append(Markup.F(left)).Append(' ').Append(Markup.F(top)).Append("V")
          .Append(Markup.F(top + plotH)).Append("H").Append(Markup.F(left + plotW))
          .Append("\" fill=\"none\" stroke=\"#888\" stroke-width=\"1\"/>");
        if (!Compact)
        {
            if (XLabel is not null)
                sb.Append("<text x=\"").Append(Markup.F(left + plotW / 2)).Append("\" y=\"")
                  .Append(Markup.F(top + plotH + tickFont + 10 + labelFont)).Append("\" font-size=\"").Append(labelFont)
                  .Append("\" text-anchor=\"middle\" fill=\"#333\">").Append(Markup.Escape(XLabel)).Append("</text>");
            if (YLabel is not null)
            {
                string yl = log ? YLabel + " (log)" : YLabel;
                double cx = labelFont, cy = top + plotH / 2;
                sb.Append("<text x=\"").Append(Markup.F(cx)).Append("\" y=\"").Append(Markup.F(cy))
                  .Append("\" font-size=\"").Append(labelFont).Append("\" text-anchor=\"middle\" fill=\"#333\" transform=\"rotate(-90 ")
                  .Append(Markup.F(cx)).Append(' ').Append(Markup.F(cy)).Append(")\">").Append(Markup.Escape(yl)).Append("</text>");
            }
        }
        else if (log)
        {
            sb.Append("<text x=\"").Append(Markup.F(left + 3)).Append("\" y=\"").Append(Markup.F(top + tickFont))
              .Append("\" font-size=\"").Append(tickFont).Append("\" fill=\"#777\">log</text>");
        }

        // lines
        foreach (var s in Series) AppendLine(sb, s, xs, ys);

        // legend
        foreach (var (s, text, lx, row) in legend)
        {
            double x0 = left + lx, y0 = legendTop + row * 17 + 8;
            sb.Append("<g><title>").Append(Markup.Escape(s.Name)).Append("</title>");
            sb.Append("<line x1=\"").Append(Markup.F(x0)).Append("\" x2=\"").Append(Markup.F(x0 + 20)).Append("\" y1=\"")
              .Append(Markup.F(y0)).Append("\" y2=\"").Append(Markup.F(y0)).Append("\" stroke=\"").Append(s.Color)
              .Append("\" stroke-width=\"").Append(Markup.F(Math.Max(2, s.Width))).Append('"');
            if (s.Opacity < 1) sb.Append(" stroke-opacity=\"").Append(Markup.F(Math.Max(0.5, s.Opacity))).Append('"');
            if (s.Dash is not null) sb.Append(" stroke-dasharray=\"").Append(s.Dash).Append('"');
            sb.Append("/><text x=\"").Append(Markup.F(x0 + 25)).Append("\" y=\"").Append(Markup.F(y0 + 4))
              .Append("\" font-size=\"11\" fill=\"#333\">").Append(Markup.Escape(text)).Append("</text></g>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, LineSeries s, AxisScale xs, AxisScale ys)
    {
        int n = Math.Min(s.X.Length, s.Y.Length);
        var d = new StringBuilder(n * 12);
        bool pen = false;
        int drawn = 0;
        for (int i = 0; i < n; i++)
        {
            if (!ys.CanMap(s.Y[i]) || !double.IsFinite(s.X[i])) { pen = false; continue; }
            d.Append(pen ? 'L' : 'M').Append(Markup.F(xs.Map(s.X[i]))).Append(' ').Append(Markup.F(ys.Map(s.Y[i])));
            pen = true;
            drawn++;
        }
        if (drawn == 0) return;
        sb.Append("<path d=\"").Append(d).Append("\" fill=\"none\" stroke=\"").Append(s.Color)
          .Append("\" stroke-width=\"").Append(Markup.F(s.Width)).Append("\" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
        if (s.Opacity < 1) sb.Append(" stroke-opacity=\"").Append(Markup.F(s.Opacity)).Append('"');
        if (s.Dash is not null) sb.Append(" stroke-dasharray=\"").Append(s.Dash).Append('"');
        sb.Append("/>");
        if (drawn <= 30)
        {
            sb.Append("<g fill=\"").Append(s.Color).Append("\">");
            for (int i = 0; i < n; i++)
            {
                if (!ys.CanMap(s.Y[i]) || !double.IsFinite(s.X[i])) continue;
                sb.Append("<circle cx=\"").Append(Markup.F(xs.Map(s.X[i]))).Append("\" cy=\"")
                  .Append(Markup.F(ys.Map(s.Y[i]))).Append("\" r=\"2.4\"/>");
            }
            sb.Append("</g>");
        }
    }
}
