using System.Text;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>Shared pieces of SVG markup (root element, text).</summary>
internal static class SvgText
{
    /// <summary>Font stack used by every chart (system fonts only; nothing is downloaded).</summary>
    public const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

    /// <summary>
    /// Opens a chart's root <c>&lt;svg&gt;</c> (class <c>chart</c>, <c>data-kind</c>, fixed size and viewBox so it
    /// scales down on narrow screens) with an accessible <c>&lt;title&gt;</c>.
    /// </summary>
    public static void Open(StringBuilder sb, string kind, double width, double height, string title)
    {
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"").Append(Markup.Escape(kind))
          .Append("\" width=\"").Append(Markup.F(Math.Ceiling(width))).Append("\" height=\"").Append(Markup.F(Math.Ceiling(height)))
          .Append("\" viewBox=\"0 0 ").Append(Markup.F(Math.Ceiling(width))).Append(' ').Append(Markup.F(Math.Ceiling(height)))
          .Append("\" role=\"img\" font-family=\"").Append(FontFamily).Append("\"><title>")
          .Append(Markup.Escape(title)).Append("</title>");
    }

    /// <summary>Appends a <c>&lt;text&gt;</c> element with escaped content.</summary>
    public static void Text(StringBuilder sb, double x, double y, string text, double size, string anchor = "start",
        string fill = "#333", string? extra = null)
    {
        sb.Append("<text x=\"").Append(Markup.F(x)).Append("\" y=\"").Append(Markup.F(y)).Append("\" font-size=\"")
          .Append(Markup.F(size)).Append('"');
        if (anchor != "start") sb.Append(" text-anchor=\"").Append(anchor).Append('"');
        sb.Append(" fill=\"").Append(fill).Append('"');
        if (extra is not null) sb.Append(' ').Append(extra);
        sb.Append('>').Append(Markup.Escape(text)).Append("</text>");
    }
}
