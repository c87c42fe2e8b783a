using System.Text;
using MtlSharp.MultiTask.Reporting.Html;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// Renders a <see cref="RunReport"/> as one self-contained HTML page (<c>report.html</c>): inline CSS and inline SVG
/// only, no scripts, fonts or images from anywhere (a Content-Security-Policy forbids fetching anything). Sections:
/// header (preset, method, seed, key numbers, environment), results table and clusters, training-loss curves,
/// metric curves, allocation probabilities over training (paper Fig. 8), final allocation matrices (paper Fig. 2),
/// task similarity, learned matrices (sluice α/β), and task relationships (gradient-conflict curves, gradient-cosine and
/// lookahead-affinity heatmaps). Sections without data are omitted. All text is escaped;
/// each chart is an XML-valid <c>&lt;svg class="chart" data-kind="…"&gt;</c>.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>Renders the page as a string.</summary>
    public static string Render(RunReport report, HtmlReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        options ??= HtmlReportOptions.Default;
        if (options.MaxPoints < 3 || options.MaxAllocationPoints < 3)
            throw new ArgumentException("HtmlReportWriter: MaxPoints and MaxAllocationPoints must be at least 3.", nameof(options));

        var toc = new List<(string, string)> { ("results", "Results") };
        if (report.LossCurves.Count > 0) toc.Add(("loss", "Loss"));
        if (report.MetricCurves.Count > 0) toc.Add(("metrics", "Metrics"));
        if (report.AllocationHistory.Count > 0) toc.Add(("allocation-history", "Allocation over training"));
        if (report.Allocation is { Count: > 0 }) toc.Add(("allocation", "Final allocation"));
        if (report.TaskSimilarity is { Length: > 0 }) toc.Add(("similarity", "Task similarity"));
        if (report.Matrices.Count > 0) toc.Add(("matrices", "Learned matrices"));
        if (report.GradientCurves.Count > 0 || report.Relationships.Count > 0) toc.Add(("relationships", "Task relationships"));

        var sb = new StringBuilder(256 * 1024);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
          .Append("<title>").Append(Markup.Escape(report.Preset + " · " + report.Method + " · seed " + report.Seed)).Append("</title>")
          .Append("<style>").Append(PageStyle.Css).Append("</style></head><body><main>");
        HeaderSection.AppendHeader(sb, report, toc);
        HeaderSection.AppendResults(sb, report);
        CurveSection.Append(sb, "loss", "Training loss", "loss", "loss", report.LossCurves, options);
        CurveSection.Append(sb, "metrics", "Metrics during training", "metric", "metric", report.MetricCurves, options);
        AllocationSection.AppendHistory(sb, report, options);
        AllocationSection.AppendFinal(sb, report);
        MatrixSection.AppendSimilarity(sb, report);
        MatrixSection.AppendMatrices(sb, report);
        RelationshipSection.Append(sb, report, options);
        sb.Append("</main></body></html>\n");
        return sb.ToString();
    }

    /// <summary>Renders the page and writes it to <paramref name="path"/> atomically (temporary file + rename).</summary>
    public static void Save(RunReport report, string path, HtmlReportOptions? options = null) =>
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(Render(report, options)));
}
