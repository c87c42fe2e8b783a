using System.Globalization;
using System.Text;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// Escaping and number formatting shared by the SVG and HTML writers. Everything written through these helpers is
/// valid both as HTML5 and as XML 1.0 (so inline SVG fragments parse with an XML parser).
/// </summary>
internal static class Markup
{
    /// <summary>
    /// Escapes text for element content and (double- or single-quoted) attribute values: <c>&amp; &lt; &gt; " '</c>.
    /// Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) become U+FFFD.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? rep = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            };
            if (rep is null)
            {
                bool invalid = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == '\uFFFE' || c == '\uFFFF';
                if (char.IsHighSurrogate(c))
                {
                    if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb?.Append(c).Append(text[i + 1]);
                        i++;
                        continue;
                    }
                    invalid = true;
                }
                else if (char.IsLowSurrogate(c))
                {
                    invalid = true;
                }
                if (!invalid)
                {
                    sb?.Append(c);
                    continue;
                }
                rep = "\uFFFD";
            }
            sb ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            sb.Append(rep);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>Shortens <paramref name="text"/> to at most <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max) return text;
        int cut = Math.Max(1, max - 1);
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        return text[..cut] + "…";
    }

    /// <summary>A coordinate with at most two decimals, invariant culture.</summary>
    public static string F(double v) => (Math.Round(v * 100) / 100).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A result value for tables: 4 significant-ish decimals, scientific for tiny/huge values.</summary>
    public static string Number(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "∞";
        if (double.IsNegativeInfinity(v)) return "−∞";
        double a = Math.Abs(v);
        if (a == 0) return "0";
        if (a >= 1e6 || a < 1e-3) return v.ToString("0.###e+0", CultureInfo.InvariantCulture);
        if (a >= 1000) return v.ToString("0.#", CultureInfo.InvariantCulture);
        return v.ToString("0.####", CultureInfo.InvariantCulture);
    }

    /// <summary>A value inside a heatmap cell: two decimals, or three significant digits when large.</summary>
    public static string Cell(double v)
    {
        if (!double.IsFinite(v)) return Number(v);
        double a = Math.Abs(v);
        if (a >= 100) return v.ToString("0", CultureInfo.InvariantCulture);
        if (a >= 10) return v.ToString("0.0", CultureInfo.InvariantCulture);
        string s = v.ToString("0.00", CultureInfo.InvariantCulture);
        return s == "-0.00" ? "0.00" : s;
    }

    /// <summary>An axis tick label: k/M suffixes for large values, scientific for tiny ones.</summary>
    public static string Tick(double v, double step)
    {
        double a = Math.Abs(v);
        if (a < step * 1e-9) return "0";
        if (a >= 1e6) return Trim(v / 1e6, step / 1e6) + "M";
        if (a >= 1e4) return Trim(v / 1e3, step / 1e3) + "k";
        if (a < 1e-3) return v.ToString("0.#e+0", CultureInfo.InvariantCulture);
        return Trim(v, step);
    }

    private static string Trim(double v, double step)
    {
        int decimals = 0;
        while (decimals < 6 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6)
            decimals++;
        return v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
