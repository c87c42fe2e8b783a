using System.Text;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// A labelled matrix heatmap in SVG with a colour-scale legend and (when the cells are big enough) the values
/// written in the cells. Sequential data use viridis, signed data (or <see cref="Diverging"/>) the RdBu scale
/// centred on zero. Non-finite values are drawn grey and labelled.
/// </summary>
internal sealed class SvgHeatmap
{
    /// <summary>Value of the <c>data-kind</c> attribute.</summary>
    public string Kind { get; init; } = "heatmap";

    /// <summary>Title drawn above the grid, or null.</summary>
    public string? Title { get; init; }

    /// <summary>One label per row.</summary>
    public required IReadOnlyList<string> RowLabels { get; init; }

    /// <summary>One label per column.</summary>
    public required IReadOnlyList<string> ColumnLabels { get; init; }

    /// <summary>Values, [row][column]; ragged rows are padded with blank cells.</summary>
    public required double[][] Values { get; init; }

    /// <summary>Force a diverging scale centred on zero (default: only when values have both signs).</summary>
    public bool Diverging { get; init; }

    /// <summary>Fixed colour domain (e.g. [-1, 1] for cosine similarity), or null for the data range.</summary>
    public (double Min, double Max)? Domain { get; init; }

    /// <summary>Write values in cells: null = automatically (at most 12×12 cells).</summary>
    public bool? ShowValues { get; init; }

    /// <summary>Renders the heatmap as an <c>&lt;svg&gt;</c> element.</summary>
    public string Render()
    {
        int rows = Values.Length;
        int cols = 0;
        foreach (var r in Values) cols = Math.Max(cols, r.Length);
        cols = Math.Max(cols, ColumnLabels.Count);
        rows = Math.Max(rows, 1);
        cols = Math.Max(cols, 1);

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var r in Values)
            foreach (double v in r)
                if (double.IsFinite(v)) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
        if (!double.IsFinite(lo)) { lo = 0; hi = 1; }
        bool diverging = Diverging || (lo < 0 && hi > 0);
        if (Domain is { } dom) { lo = dom.Min; hi = dom.Max; }
        else if (diverging) { double m = Math.Max(Math.Abs(lo), Math.Abs(hi)); lo = -m; hi = m; }
        if (hi - lo < 1e-12) { hi = lo + (Math.Abs(lo) > 0 ? Math.Abs(lo) * 0.1 : 1); }

        double cell = Math.Clamp(Math.Floor(440.0 / Math.Max(rows, cols)), 12, 46);
        bool values = ShowValues ?? (rows <= 12 && cols <= 12);
        values &= cell >= 22;
        const double labelFont = 11, charW = labelFont * 0.6;

        int rowChars = 1, colChars = 1;
        foreach (var l in RowLabels) rowChars = Math.Max(rowChars, Math.Min(22, l.Length));
        foreach (var l in ColumnLabels) colChars = Math.Max(colChars, Math.Min(22, l.Length));
        bool rotate = colChars * charW > cell - 4;
        double left = 8 + rowChars * charW + 8;
        double top = (Title is not null ? 24 : 6) + (rotate ? colChars * charW * 0.72 + 12 : labelFont + 8);
        double gridW = cols * cell, gridH = rows * cell;
        double barH = Math.Clamp(gridH, 80, 220);
        double width = left + gridW + 18 + 12 + 6 + 7 * charW + 10;
        double height = top + Math.Max(gridH, barH) + 10;

        var sb = new StringBuilder(2048 + rows * cols * 120);
        SvgText.Open(sb, Kind, Math.Max(width, (Title?.Length ?? 0) * 7.8 + 16), height, Title ?? Kind);
        if (Title is not null) SvgText.Text(sb, 8, 17, Title, 13, extra: "font-weight=\"600\"", fill: "#222");

        // labels
        sb.Append("<g font-size=\"").Append(labelFont).Append("\" fill=\"#333\">");
        for (int r = 0; r < rows; r++)
        {
            string full = r < RowLabels.Count ? RowLabels[r] : "";
            sb.Append("<text x=\"").Append(Markup.F(left - 6)).Append("\" y=\"").Append(Markup.F(top + r * cell + cell / 2 + 4))
              .Append("\" text-anchor=\"end\"><title>").Append(Markup.Escape(full)).Append("</title>")
              .Append(Markup.Escape(Markup.Truncate(full, 22))).Append("</text>");
        }
        for (int c = 0; c < cols; c++)
        {
            string full = c < ColumnLabels.Count ? ColumnLabels[c] : "";
            double cx = left + c * cell + cell / 2;
            sb.Append("<text x=\"").Append(Markup.F(cx)).Append("\" y=\"").Append(Markup.F(top - 6)).Append('"');
            sb.Append(rotate
                ? " transform=\"rotate(-45 " + Markup.F(cx) + " " + Markup.F(top - 6) + ")\""
                : " text-anchor=\"middle\"");
            sb.Append("><title>").Append(Markup.Escape(full)).Append("</title>")
              .Append(Markup.Escape(Markup.Truncate(full, 22))).Append("</text>");
        }
        sb.Append("</g>");

        // cells
        double valueFont = Math.Min(11, cell * 0.3);
        for (int r = 0; r < rows; r++)
        {
            double[] row = r < Values.Length ? Values[r] : [];
            for (int c = 0; c < cols; c++)
            {
                double x = left + c * cell, y = top + r * cell;
                if (c >= row.Length)
                {
                    sb.Append("<rect x=\"").Append(Markup.F(x)).Append("\" y=\"").Append(Markup.F(y)).Append("\" width=\"")
                      .Append(Markup.F(cell)).Append("\" height=\"").Append(Markup.F(cell)).Append("\" fill=\"#fff\" stroke=\"#eee\"/>");
                    continue;
                }
                double v = row[c];
                string fill = ColorOf(v, lo, hi, diverging);
                sb.Append("<rect x=\"").Append(Markup.F(x)).Append("\" y=\"").Append(Markup.F(y)).Append("\" width=\"")
                  .Append(Markup.F(cell)).Append("\" height=\"").Append(Markup.F(cell)).Append("\" fill=\"").Append(fill)
                  .Append("\" stroke=\"#fff\" stroke-width=\"1\"><title>")
                  .Append(Markup.Escape((r < RowLabels.Count ? RowLabels[r] : "") + " × " + (c < ColumnLabels.Count ? ColumnLabels[c] : "")
                                        + " = " + Markup.Number(v)))
                  .Append("</title></rect>");
                if (values)
                    SvgText.Text(sb, x + cell / 2, y + cell / 2 + valueFont * 0.36, Markup.Cell(v), valueFont, "middle", Palette.TextOn(fill));
            }
        }

        // colour legend: stacked rects, top = hi
        double bx = left + gridW + 18, by = top;
        const int steps = 32;
        for (int i = 0; i < steps; i++)
        {
            double t = 1 - (i + 0.5) / steps;
            sb.Append("<rect x=\"").Append(Markup.F(bx)).Append("\" y=\"").Append(Markup.F(by + i * barH / steps))
              .Append("\" width=\"12\" height=\"").Append(Markup.F(barH / steps + 0.6)).Append("\" fill=\"")
              .Append(diverging ? Palette.Diverging(t) : Palette.Sequential(t)).Append("\"/>");
        }
        sb.Append("<rect x=\"").Append(Markup.F(bx)).Append("\" y=\"").Append(Markup.F(by)).Append("\" width=\"12\" height=\"")
          .Append(Markup.F(barH)).Append("\" fill=\"none\" stroke=\"#999\"/>");
        double mid = (lo + hi) / 2;
        SvgText.Text(sb, bx + 16, by + 9, Markup.Cell(hi), 10, fill: "#444");
        SvgText.Text(sb, bx + 16, by + barH / 2 + 3.5, Markup.Cell(mid), 10, fill: "#444");
        SvgText.Text(sb, bx + 16, by + barH - 1, Markup.Cell(lo), 10, fill: "#444");
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string ColorOf(double v, double lo, double hi, bool diverging)
    {
        if (!double.IsFinite(v)) return "#bbbbbb";
        double t = (v - lo) / (hi - lo);
        return diverging ? Palette.Diverging(t) : Palette.Sequential(t);
    }
}
