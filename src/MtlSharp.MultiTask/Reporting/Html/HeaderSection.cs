using System.Globalization;
using System.Text;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting.Html;

/// <summary>The report's header (title, key numbers, environment) and the per-task results table.</summary>
internal static class HeaderSection
{
    /// <summary>Appends the page header: preset, method, seed, key-number cards, environment table.</summary>
    public static void AppendHeader(StringBuilder sb, RunReport r, IReadOnlyList<(string Id, string Title)> toc)
    {
        sb.Append("<header><h1>").Append(Markup.Escape(r.Preset)).Append("</h1>");
        sb.Append("<p class=\"sub\">method <b>").Append(Markup.Escape(r.Method)).Append("</b> · seed <b>")
          .Append(r.Seed.ToString(CultureInfo.InvariantCulture)).Append("</b> · ")
          .Append(r.Tasks.Count.ToString(CultureInfo.InvariantCulture)).Append(r.Tasks.Count == 1 ? " task" : " tasks").Append("</p>");
        if (toc.Count > 0)
        {
            sb.Append("<nav>");
            foreach (var (id, title) in toc)
                sb.Append("<a href=\"#").Append(id).Append("\">").Append(Markup.Escape(title)).Append("</a>");
            sb.Append("</nav>");
        }
        sb.Append("<div class=\"cards\">");
        Card(sb, "mean test", Markup.Number(r.MeanTest));
        if (r.ActiveFraction is { } af) Card(sb, "active fraction", Markup.Number(af));
        Card(sb, "train time", Duration(r.TrainSeconds));
        Card(sb, "updates / s", Markup.Number(r.UpdatesPerSecond));
        if (r.Updates > 0) Card(sb, "updates", r.Updates.ToString("N0", CultureInfo.InvariantCulture));
        sb.Append("</div>");
        if (r.Environment.Count > 0)
        {
            sb.Append("<details open=\"\"><summary>Environment (").Append(r.Environment.Count.ToString(CultureInfo.InvariantCulture))
              .Append(")</summary><table class=\"env\"><tbody>");
            foreach (var kv in r.Environment)
                sb.Append("<tr><td>").Append(Markup.Escape(kv.Key)).Append("</td><td>").Append(Markup.Escape(kv.Value)).Append("</td></tr>");
            sb.Append("</tbody></table></details>");
        }
        sb.Append("</header>");
    }

    /// <summary>Appends the results section: the per-task table and the task clusters.</summary>
    public static void AppendResults(StringBuilder sb, RunReport r)
    {
        sb.Append("<section id=\"results\"><h2>Results</h2>");
        if (r.Tasks.Count > 0)
        {
            bool anyValid = false;
            foreach (var t in r.Tasks) anyValid |= t.Valid.HasValue;
            sb.Append("<table class=\"results\"><thead><tr><th>#</th><th>task</th><th>metric</th><th class=\"num\">test</th>");
            if (anyValid) sb.Append("<th class=\"num\">valid</th>");
            sb.Append("</tr></thead><tbody>");
            for (int i = 0; i < r.Tasks.Count; i++)
            {
                var t = r.Tasks[i];
                sb.Append("<tr><td class=\"num\">").Append(i.ToString(CultureInfo.InvariantCulture)).Append("</td><td class=\"name\">")
                  .Append(Markup.Escape(t.Name)).Append("</td><td>").Append(Markup.Escape(t.Metric)).Append(Direction(t.Metric))
                  .Append("</td><td class=\"num\">").Append(Markup.Number(t.Test)).Append("</td>");
                if (anyValid)
                    sb.Append("<td class=\"num\">").Append(t.Valid is { } v ? Markup.Number(v) : "–").Append("</td>");
                sb.Append("</tr>");
            }
            sb.Append("</tbody><tfoot><tr><th></th><th>mean</th><th></th><th class=\"num\">").Append(Markup.Number(r.MeanTest))
              .Append("</th>").Append(anyValid ? "<th></th>" : "").Append("</tr></tfoot></table>");
        }
        if (r.Clusters is { Count: > 0 } clusters)
        {
            sb.Append("<h3>Task clusters (identical allocation embeddings)</h3><ol class=\"clusters\">");
            foreach (var c in clusters)
            {
                sb.Append("<li>");
                for (int i = 0; i < c.Count; i++)
                    sb.Append(i > 0 ? ", " : "").Append(Markup.Escape(c[i]));
                sb.Append("</li>");
            }
            sb.Append("</ol>");
        }
        sb.Append("</section>");
    }

    private static string Direction(string metric) => metric.ToLowerInvariant() switch
    {
        "accuracy" or "acc" or "f1" or "auc" => " ↑",
        "mse" or "mae" or "rmse" or "loss" or "error" => " ↓",
        _ => "",
    };

    private static void Card(StringBuilder sb, string key, string value) =>
        sb.Append("<div class=\"card\"><div class=\"k\">").Append(Markup.Escape(key)).Append("</div><div class=\"v\">")
          .Append(Markup.Escape(value)).Append("</div></div>");

    private static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return Markup.Number(seconds);
        if (seconds < 120) return seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        var ts = TimeSpan.FromSeconds(seconds);
        return ts.TotalHours >= 1
            ? ((int)ts.TotalHours).ToString(CultureInfo.InvariantCulture) + " h " + ts.Minutes.ToString("00", CultureInfo.InvariantCulture) + " min"
            : ts.Minutes.ToString(CultureInfo.InvariantCulture) + " min " + ts.Seconds.ToString("00", CultureInfo.InvariantCulture) + " s";
    }
}
