using System.Globalization;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// Colour-blind-safe colours. Categorical: the Okabe–Ito palette (Okabe &amp; Ito 2008), reordered so the strongest
/// contrasts on white come first and with its yellow darkened for lines on white. Sequential: viridis. Diverging:
/// ColorBrewer RdBu (red = low, white = middle, blue = high).
/// </summary>
internal static class Palette
{
    private static readonly string[] Categorical =
    [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#B8A000",
    ];

    /// <summary>Dash patterns used after the colours run out (series index / colour count).</summary>
    private static readonly string?[] Dashes = [null, "6 3", "2 2", "8 3 2 3"];

    // viridis at 0, 1/8, ..., 1
    private static readonly (byte R, byte G, byte B)[] Viridis =
    [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ];

    // ColorBrewer RdBu, 11 classes, low (red) to high (blue)
    private static readonly (byte R, byte G, byte B)[] RdBu =
    [
        (103, 0, 31), (178, 24, 43), (214, 96, 77), (244, 165, 130), (253, 219, 199), (247, 247, 247),
        (209, 229, 240), (146, 197, 222), (67, 147, 195), (33, 102, 172), (5, 48, 97),
    ];

    /// <summary>Number of distinct categorical colours before dash patterns are used.</summary>
    public static int CategoricalCount => Categorical.Length;

    /// <summary>Line colour of series <paramref name="i"/>.</summary>
    public static string Color(int i) => Categorical[i % Categorical.Length];

    /// <summary>Dash pattern of series <paramref name="i"/> (null = solid), once the colours repeat.</summary>
    public static string? Dash(int i) => Dashes[(i / Categorical.Length) % Dashes.Length];

    /// <summary>Viridis colour at <paramref name="t"/> ∈ [0, 1].</summary>
    public static string Sequential(double t) => Interpolate(Viridis, t);

    /// <summary>RdBu colour at <paramref name="t"/> ∈ [0, 1] (0.5 = white-ish middle).</summary>
    public static string Diverging(double t) => Interpolate(RdBu, t);

    /// <summary>Black or white, whichever reads better on the fill colour <paramref name="hex"/> (#rrggbb).</summary>
    public static string TextOn(string hex)
    {
        int r = int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int g = int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int b = int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        double lum = 0.2126 * Lin(r) + 0.7152 * Lin(g) + 0.0722 * Lin(b);
        return lum > 0.22 ? "#111111" : "#ffffff";

        static double Lin(int c)
        {
            double s = c / 255.0;
            return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }
    }

    private static string Interpolate((byte R, byte G, byte B)[] stops, double t)
    {
        if (double.IsNaN(t)) return "#cccccc";
        t = Math.Clamp(t, 0, 1) * (stops.Length - 1);
        int i = Math.Min((int)t, stops.Length - 2);
        double f = t - i;
        var (r0, g0, b0) = stops[i];
        var (r1, g1, b1) = stops[i + 1];
        int r = (int)Math.Round(r0 + (r1 - r0) * f);
        int g = (int)Math.Round(g0 + (g1 - g0) * f);
        int b = (int)Math.Round(b0 + (b1 - b0) * f);
        return "#" + r.ToString("x2", CultureInfo.InvariantCulture) + g.ToString("x2", CultureInfo.InvariantCulture)
               + b.ToString("x2", CultureInfo.InvariantCulture);
    }
}
