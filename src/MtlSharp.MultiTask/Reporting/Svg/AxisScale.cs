namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// Maps data values to pixels along one axis, linear or log10, over a "nice" domain, and lists its ticks.
/// </summary>
internal sealed class AxisScale
{
    private readonly double _lo, _hi, _p0, _p1;

    private AxisScale(double lo, double hi, bool log, double p0, double p1, IReadOnlyList<(double Value, string Label)> ticks)
    {
        _lo = lo;
        _hi = hi;
        IsLog = log;
        _p0 = p0;
        _p1 = p1;
        Ticks = ticks;
    }

    /// <summary>Whether the axis is log10.</summary>
    public bool IsLog { get; }

    /// <summary>Tick positions (data values) and their labels.</summary>
    public IReadOnlyList<(double Value, string Label)> Ticks { get; }

    /// <summary>Lower end of the domain (data units).</summary>
    public double Min => _lo;

    /// <summary>Upper end of the domain (data units).</summary>
    public double Max => _hi;

    /// <summary>
    /// A linear scale covering [min, max], extended to tick multiples when <paramref name="nice"/>, mapped to pixels
    /// [p0, p1] (p1 &lt; p0 for a y axis). About <paramref name="tickCount"/> ticks.
    /// </summary>
    public static AxisScale Linear(double min, double max, double p0, double p1, int tickCount, bool nice = true)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) { min = 0; max = 1; }
        if (max < min) (min, max) = (max, min);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = Math.Abs(max) > 0 ? Math.Abs(max) * 0.05 : 0.5;
            min -= pad;
            max += pad;
        }
        double step = NiceStep((max - min) / Math.Max(1, tickCount - 1));
        if (nice)
        {
            min = Math.Floor(min / step + 1e-9) * step;
            max = Math.Ceiling(max / step - 1e-9) * step;
        }
        var ticks = new List<(double, string)>();
        double first = Math.Ceiling(min / step - 1e-9) * step;
        for (int k = 0; k < 50; k++)
        {
            double v = first + k * step;
            if (v > max + step * 1e-9) break;
            if (Math.Abs(v) < step * 1e-9) v = 0;
            ticks.Add((v, Markup.Tick(v, step)));
        }
        return new AxisScale(min, max, false, p0, p1, ticks);
    }

    /// <summary>A log10 scale over [min, max] (both &gt; 0), extended to powers of ten, ticks at powers of ten.</summary>
    public static AxisScale Log(double min, double max, double p0, double p1, int maxTicks)
    {
        double lo = Math.Floor(Math.Log10(min) + 1e-9), hi = Math.Ceiling(Math.Log10(max) - 1e-9);
        if (hi <= lo) hi = lo + 1;
        int decades = (int)(hi - lo);
        int every = Math.Max(1, (int)Math.Ceiling(decades / (double)Math.Max(1, maxTicks - 1)));
        var ticks = new List<(double, string)>();
        for (int e = (int)lo; e <= (int)hi; e += every)
            ticks.Add((Math.Pow(10, e), PowerLabel(e)));
        return new AxisScale(Math.Pow(10, lo), Math.Pow(10, hi), true, p0, p1, ticks);
    }

    /// <summary>Pixel position of <paramref name="v"/>, clamped to the axis range.</summary>
    public double Map(double v)
    {
        double t = IsLog ? (Math.Log10(v) - Math.Log10(_lo)) / (Math.Log10(_hi) - Math.Log10(_lo)) : (v - _lo) / (_hi - _lo);
        if (double.IsNaN(t)) t = 0;
        t = Math.Clamp(t, -0.02, 1.02);
        return _p0 + t * (_p1 - _p0);
    }

    /// <summary>Whether <paramref name="v"/> can be drawn on this axis (finite, and positive on a log axis).</summary>
    public bool CanMap(double v) => double.IsFinite(v) && (!IsLog || v > 0);

    private static double NiceStep(double raw)
    {
        if (!(raw > 0) || !double.IsFinite(raw)) return 1;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    private static string PowerLabel(int e) => e switch
    {
        >= 0 and <= 3 => Math.Pow(10, e).ToString("0", System.Globalization.CultureInfo.InvariantCulture),
        -1 => "0.1",
        -2 => "0.01",
        -3 => "0.001",
        _ => "1e" + e.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
