using System.Globalization;
using System.Text;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>The task-similarity heatmap and the learned matrices (sluice α/β…) as labelled heatmaps.</summary>
internal static class MatrixSection
{
    /// <summary>Appends the task-similarity section; nothing without <see cref="RunReport.TaskSimilarity"/>.</summary>
    public static void AppendSimilarity(StringBuilder sb, RunReport r)
    {
        if (r.TaskSimilarity is not { Length: > 0 } sim) return;
        var names = new string[sim.Length];
        for (int t = 0; t < names.Length; t++) names[t] = AllocationSection.TaskName(r, t);
        var map = new SvgHeatmap
        {
            Kind = "similarity", Title = "Cosine similarity of task allocation embeddings", RowLabels = names,
            ColumnLabels = names, Values = sim, Diverging = true, Domain = (-1, 1), ShowValues = sim.Length <= 10,
        };
        sb.Append("<section id=\"similarity\"><h2>Task similarity</h2>").Append(map.Render()).Append("</section>");
    }

    /// <summary>Appends the learned-matrices section; nothing when <see cref="RunReport.Matrices"/> is empty.</summary>
    public static void AppendMatrices(StringBuilder sb, RunReport r)
    {
        if (r.Matrices.Count == 0) return;
        sb.Append("<section id=\"matrices\"><h2>Learned matrices</h2><div class=\"flow\">");
        foreach (var m in r.Matrices)
        {
            var map = new SvgHeatmap
            {
                Kind = "matrix", Title = m.Name, RowLabels = Labels(m.RowLabels, m.Values.Length),
                ColumnLabels = Labels(m.ColumnLabels, MaxCols(m.Values)), Values = m.Values,
            };
            sb.Append(map.Render());
        }
        sb.Append("</div></section>");
    }

    private static int MaxCols(double[][] v)
    {
        int m = 0;
        foreach (var row in v) m = Math.Max(m, row.Length);
        return m;
    }

    private static string[] Labels(string[] given, int count)
    {
        if (given.Length >= count) return given;
        var l = new string[count];
        for (int i = 0; i < count; i++) l[i] = i < given.Length ? given[i] : i.ToString(CultureInfo.InvariantCulture);
        return l;
    }
}
