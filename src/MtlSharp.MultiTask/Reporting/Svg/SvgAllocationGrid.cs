using System.Globalization;
using System.Text;

namespace MtlSharp.MultiTask.Reporting.Svg;

/// <summary>
/// One routed layer's final allocation matrix drawn like the paper's Fig. 2: a tasks × components grid, a filled
/// cell where the task uses the component. Components used by two or more tasks are filled
/// <see cref="SharedColor"/>, components used by exactly one task <see cref="ExclusiveColor"/>; unused components'
/// columns stay empty. The number of tasks using each component is written under its column.
/// </summary>
internal sealed class SvgAllocationGrid
{
    /// <summary>Fill of a component used by at least two tasks.</summary>
    public const string SharedColor = "#0072B2";

    /// <summary>Fill of a component used by exactly one task.</summary>
    public const string ExclusiveColor = "#E69F00";

    /// <summary>Title, e.g. "Layer 0".</summary>
    public required string Title { get; init; }

    /// <summary>Task names (rows).</summary>
    public required IReadOnlyList<string> TaskLabels { get; init; }

    /// <summary>Allocation, [task][component], 1 = used.</summary>
    public required int[][] Allocation { get; init; }

    /// <summary>Whether to draw the task labels (false for all but the first grid of a row saves space).</summary>
    public bool ShowTaskLabels { get; init; } = true;

    /// <summary>Renders the grid as an <c>&lt;svg&gt;</c> element (data-kind "allocation").</summary>
    public string Render()
    {
        int tasks = Allocation.Length;
        int comps = 0;
        foreach (var r in Allocation) comps = Math.Max(comps, r.Length);
        var used = new int[comps];
        foreach (var r in Allocation)
            for (int c = 0; c < r.Length; c++)
                if (r[c] != 0) used[c]++;

        double cell = Math.Clamp(Math.Floor(300.0 / Math.Max(Math.Max(tasks, comps), 1)), 14, 26);
        const double font = 11, charW = font * 0.6;
        int rowChars = 1;
        foreach (var l in TaskLabels) rowChars = Math.Max(rowChars, Math.Min(18, l.Length));
        double left = ShowTaskLabels ? 8 + rowChars * charW + 8 : 8;
        double top = 24 + font + 6;
        double width = Math.Max(left + comps * cell + 8, Title.Length * 7.8 + 16);
        double height = top + tasks * cell + font + 10;

        var sb = new StringBuilder(1024 + tasks * comps * 90);
        SvgText.Open(sb, "allocation", width, height, Title);
        SvgText.Text(sb, 8, 16, Title, 13, fill: "#222", extra: "font-weight=\"600\"");
        sb.Append("<g font-size=\"").Append(font).Append("\" fill=\"#444\">");
        for (int c = 0; c < comps; c++)
            sb.Append("<text x=\"").Append(Markup.F(left + c * cell + cell / 2)).Append("\" y=\"").Append(Markup.F(top - 5))
              .Append("\" text-anchor=\"middle\">").Append(c.ToString(CultureInfo.InvariantCulture)).Append("</text>");
        if (ShowTaskLabels)
            for (int t = 0; t < tasks; t++)
            {
                string full = t < TaskLabels.Count ? TaskLabels[t] : "task " + t.ToString(CultureInfo.InvariantCulture);
                sb.Append("<text x=\"").Append(Markup.F(left - 6)).Append("\" y=\"").Append(Markup.F(top + t * cell + cell / 2 + 4))
                  .Append("\" text-anchor=\"end\"><title>").Append(Markup.Escape(full)).Append("</title>")
                  .Append(Markup.Escape(Markup.Truncate(full, 18))).Append("</text>");
            }
        sb.Append("</g>");

        for (int t = 0; t < tasks; t++)
        {
            for (int c = 0; c < comps; c++)
            {
                bool on = c < Allocation[t].Length && Allocation[t][c] != 0;
                string fill = !on ? "#ffffff" : used[c] >= 2 ? SharedColor : ExclusiveColor;
                sb.Append("<rect x=\"").Append(Markup.F(left + c * cell + 1)).Append("\" y=\"").Append(Markup.F(top + t * cell + 1))
                  .Append("\" width=\"").Append(Markup.F(cell - 2)).Append("\" height=\"").Append(Markup.F(cell - 2))
                  .Append("\" rx=\"2\" fill=\"").Append(fill).Append("\" stroke=\"").Append(on ? fill : "#c8c8c8")
                  .Append("\"><title>")
                  .Append(Markup.Escape((t < TaskLabels.Count ? TaskLabels[t] : "") + ", component "
                                        + c.ToString(CultureInfo.InvariantCulture) + (on ? ": used" : ": not used")))
                  .Append("</title></rect>");
            }
        }
        // per-component usage counts
        for (int c = 0; c < comps; c++)
            SvgText.Text(sb, left + c * cell + cell / 2, top + tasks * cell + font + 3,
                used[c].ToString(CultureInfo.InvariantCulture), 10, "middle", used[c] == 0 ? "#aaa" : "#555");
        sb.Append("</svg>");
        return sb.ToString();
    }
}
