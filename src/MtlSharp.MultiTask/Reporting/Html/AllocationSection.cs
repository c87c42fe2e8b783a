using System.Globalization;
using System.Text;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>
/// Gumbel-Matrix routing pictures: allocation probabilities over training as a tasks × layers table of small
/// multiples, one line per component (paper Fig. 8), and the final 0/1 allocation matrices (paper Fig. 2).
/// </summary>
internal static class AllocationSection
{
    private const double ContentWidth = 1150, TaskColumn = 100;

    /// <summary>Appends the allocation-history section; nothing when there is no history.</summary>
    public static void AppendHistory(StringBuilder sb, RunReport r, HtmlReportOptions options)
    {
        var layers = r.AllocationHistory;
        if (layers.Count == 0) return;
        int tasks = 0, comps = 0;
        foreach (var h in layers)
            foreach (var snap in h.Probabilities)
            {
                tasks = Math.Max(tasks, snap.Length);
                foreach (var row in snap) comps = Math.Max(comps, row.Length);
            }
        if (tasks == 0) return;

        sb.Append("<section id=\"allocation-history\"><h2>Allocation probabilities over training</h2>")
          .Append("<p class=\"note\">P(z=1) of each component (line) for each task (row) and routed layer (column); y from 0 to 1, x in updates.</p>");
        AppendComponentLegend(sb, comps);

        double cellW = Math.Clamp(Math.Floor((ContentWidth - TaskColumn) / layers.Count) - 8, 130, 380);
        int plotH = (int)Math.Clamp(cellW * 0.36, 56, 120);
        int points = Math.Min(options.MaxAllocationPoints, (int)cellW); // no more points than pixels

        sb.Append("<div class=\"scroll\"><table class=\"multiples\"><thead><tr><th></th>");
        foreach (var h in layers)
            sb.Append("<th class=\"layer\">layer ").Append(h.Layer.ToString(CultureInfo.InvariantCulture)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        for (int t = 0; t < tasks; t++)
        {
            string name = Markup.Escape(TaskName(r, t));
            sb.Append("<tr><th class=\"task\" title=\"").Append(name).Append("\">").Append(name).Append("</th>");
            foreach (var h in layers)
            {
                sb.Append("<td>");
                var chart = new SvgLineChart
                {
                    Kind = "allocation-history", Compact = true, ShowLegend = false, Width = (int)cellW, PlotHeight = plotH,
                    YDomain = (0, 1), YAxis = SvgLineChart.YAxisMode.Linear,
                };
                var x = new double[h.Steps.Length];
                for (int i = 0; i < x.Length; i++) x[i] = h.Steps[i];
                int snaps = Math.Min(x.Length, h.Probabilities.Length);
                int layerComps = 0;
                for (int i = 0; i < snaps; i++)
                    if (t < h.Probabilities[i].Length) layerComps = Math.Max(layerComps, h.Probabilities[i][t].Length);
                for (int c = 0; c < layerComps; c++)
                {
                    var y = new double[snaps];
                    for (int i = 0; i < snaps; i++)
                    {
                        var snap = h.Probabilities[i];
                        y[i] = t < snap.Length && c < snap[t].Length ? snap[t][c] : double.NaN;
                    }
                    var (dx, dy) = SeriesMath.Downsample(x[..snaps], y, points);
                    chart.Series.Add(new LineSeries("component " + c.ToString(CultureInfo.InvariantCulture), dx, dy,
                        Palette.Color(c), 1.5, 0.95, Palette.Dash(c)));
                }
                sb.Append(chart.Render()).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div></section>");
    }

    /// <summary>Appends the final allocation matrices section; nothing without <see cref="RunReport.Allocation"/>.</summary>
    public static void AppendFinal(StringBuilder sb, RunReport r)
    {
        if (r.Allocation is not { Count: > 0 } alloc) return;
        sb.Append("<section id=\"allocation\"><h2>Final allocation</h2>")
          .Append("<p class=\"note\">Maximum-likelihood allocation per routed layer (rows: tasks, columns: components, as in the paper's Fig. 2); the number under each column counts the tasks using it.</p>")
          .Append("<div class=\"legend\"><span><span class=\"box\" style=\"background:").Append(SvgAllocationGrid.SharedColor)
          .Append("\"></span>shared (≥ 2 tasks)</span><span><span class=\"box\" style=\"background:")
          .Append(SvgAllocationGrid.ExclusiveColor).Append("\"></span>one task only</span>")
          .Append("<span><span class=\"box\" style=\"background:#fff\"></span>not used</span></div><div class=\"flow\">");
        var names = new string[MaxRows(alloc)];
        for (int t = 0; t < names.Length; t++) names[t] = TaskName(r, t);
        for (int l = 0; l < alloc.Count; l++)
        {
            var grid = new SvgAllocationGrid
            {
                Title = "layer " + l.ToString(CultureInfo.InvariantCulture), TaskLabels = names, Allocation = alloc[l],
                ShowTaskLabels = true,
            };
            sb.Append(grid.Render());
        }
        sb.Append("</div></section>");
    }

    /// <summary>Task <paramref name="t"/>'s name from the results, or "task t".</summary>
    public static string TaskName(RunReport r, int t) =>
        t < r.Tasks.Count ? r.Tasks[t].Name : "task " + t.ToString(CultureInfo.InvariantCulture);

    private static int MaxRows(IReadOnlyList<int[][]> alloc)
    {
        int m = 0;
        foreach (var a in alloc) m = Math.Max(m, a.Length);
        return m;
    }

    private static void AppendComponentLegend(StringBuilder sb, int comps)
    {
        sb.Append("<div class=\"legend\">");
        for (int c = 0; c < comps; c++)
        {
            string? dash = Palette.Dash(c);
            sb.Append("<span><span class=\"sw\" style=\"border-top-color:").Append(Palette.Color(c))
              .Append(dash is null ? "" : ";border-top-style:dashed").Append("\"></span>component ")
              .Append(c.ToString(CultureInfo.InvariantCulture)).Append("</span>");
        }
        sb.Append("</div>");
    }
}
