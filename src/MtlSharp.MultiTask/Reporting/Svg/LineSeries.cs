namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>One line of an <see cref="SvgLineChart"/>.</summary>
/// <param name="Name">Legend label (null: not listed in the legend).</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values; non-finite values break the line.</param>
/// <param name="Color">Stroke colour.</param>
/// <param name="Width">Stroke width in pixels.</param>
/// <param name="Opacity">Stroke opacity.</param>
/// <param name="Dash">SVG dash array, or null for solid.</param>
internal sealed record LineSeries(
    string? Name, double[] X, double[] Y, string Color, double Width = 1.6, double Opacity = 1, string? Dash = null);
