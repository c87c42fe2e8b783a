namespace MtlSharp.MultiTask.Reporting;

/// <summary>Rendering options of <see cref="HtmlReportWriter"/>.</summary>
public sealed record HtmlReportOptions
{
    /// <summary>Default options.</summary>
    public static HtmlReportOptions Default { get; } = new();

    /// <summary>
    /// Draw a centred moving average (window ≈ 2% of the series, at most 101 points) over long curves, with the raw
    /// curve faint behind it, like the paper's smoothed loss plots. Default true.
    /// </summary>
    public bool Smooth { get; init; } = true;

    /// <summary>Curves longer than this are downsampled (LTTB) to this many points per line. Default 500.</summary>
    public int MaxPoints { get; init; } = 500;

    /// <summary>Points per line in the small allocation-history charts. Default 200.</summary>
    public int MaxAllocationPoints { get; init; } = 200;
}
