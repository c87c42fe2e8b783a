using System.Globalization;
using System.Text;
using System.Text.Json;
using MtlSharp.MultiTask.Analysis.Grouping;
using MtlSharp.MultiTask.Reporting.Html;
using MtlSharp.MultiTask.Reporting.Svg;

namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// Writes a <see cref="GroupingStudy"/> as <c>grouping.json</c> (camelCase; non-finite numbers as null) and as a
/// self-contained <c>grouping.html</c>: the chosen networks as a diagram (networks × tasks: served, trained only), the
/// method's task × task relation as a heatmap, and a table of predicted and measured metrics against all-in-one and
/// all-separate training.
/// </summary>
public static class GroupingReportWriter
{
    /// <summary>The study as indented JSON.</summary>
    public static string Json(GroupingStudy study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("method", study.Method.ToString().ToLowerInvariant());
            w.WriteNumber("budget", study.Budget);
            Strings(w, "tasks", study.Tasks);
            Strings(w, "metrics", study.Metrics);
            w.WriteStartArray("higherIsBetter");
            foreach (bool b in study.HigherIsBetter) w.WriteBooleanValue(b);
            w.WriteEndArray();
            w.WriteBoolean("exact", study.Grouping.Exact);
            Number(w, "predictedTotal", study.Grouping.Total);
            w.WriteStartArray("networks");
            foreach (var nw in study.Grouping.Networks)
            {
                w.WriteStartObject();
                Strings(w, "trained", nw.Trained.Select(t => study.Tasks[t]).ToArray());
                Strings(w, "serves", nw.Serves.Select(t => study.Tasks[t]).ToArray());
                Numbers(w, "scores", nw.Scores);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (study.Relation is { } rel)
            {
                Matrix(w, "relation", rel);
            }
            if (study.Predicted is { } p) Numbers(w, "predicted", p);
            if (study.Measured is { } m) Numbers(w, "measured", m);
            if (study.AllInOne is { } a) Numbers(w, "allInOne", a);
            if (study.AllSeparate is { } s) Numbers(w, "allSeparate", s);
            if (study.Transfer is { } tr)
            {
                w.WriteStartObject("transfer");
                Number(w, "fraction", tr.Fraction);
                Matrix(w, "test", tr.Test);
                Numbers(w, "scratch", tr.Scratch);
                Numbers(w, "source", tr.Source);
                Matrix(w, "gainPercent", tr.Gain);
                w.WriteStartObject("ranking");
                for (int i = 0; i < study.Tasks.Count; i++)
                {
                    Strings(w, study.Tasks[i], tr.Ranking[i].Select(j => study.Tasks[j]).ToArray());
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            Number(w, "methodSeconds", study.MethodSeconds);
            w.WriteStartArray("runs");
            foreach (var r in study.Runs)
            {
                w.WriteStartObject();
                w.WriteString("purpose", r.Purpose);
                Strings(w, "tasks", r.Tasks.Select(t => study.Tasks[t]).ToArray());
                Numbers(w, "test", r.Test);
                Number(w, "trainSeconds", r.TrainSeconds);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The study as one HTML page.</summary>
    public static string Render(GroupingStudy study, string title)
    {
        ArgumentNullException.ThrowIfNull(study);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(64 * 1024);
        string method = study.Method.ToString().ToLowerInvariant();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
          .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
          .Append("<title>").Append(Markup.Escape(title + " · grouping · " + method)).Append("</title>")
          .Append("<style>").Append(PageStyle.Css).Append("</style></head><body><main>")
          .Append("<header><h1>").Append(Markup.Escape(title)).Append("</h1><p class=\"sub\">task grouping by <b>").Append(method)
          .Append("</b> · at most ").Append(study.Budget.ToString(ci)).Append(" networks · ").Append(study.Grouping.Exact ? "exact search" : "greedy approximation")
          .Append(" · ").Append(study.MethodSeconds.ToString("F1", ci)).Append(" s of training to choose</p></header>");

        string[] rows = study.Grouping.Networks.Select((nw, k) => "network " + (k + 1).ToString(ci)).ToArray();
        var diagram = study.Grouping.Networks.Select(nw => study.Tasks.Select((_, t) => nw.Serves.Contains(t) ? 1.0 : nw.Trained.Contains(t) ? 0.5 : 0.0).ToArray()).ToArray();
        sb.Append("<section id=\"grouping\"><h2>Chosen networks</h2><p class=\"note\">1: the network serves the task; 0.5: trained on it, served by another network; 0: not trained on it.</p>")
          .Append(new SvgHeatmap { Kind = "grouping", Title = "Networks × tasks", RowLabels = rows, ColumnLabels = [.. study.Tasks], Values = diagram, Domain = (0, 1), ShowValues = study.Tasks.Count <= 16 }.Render())
          .Append("</section>");

        if (study.Relation is { } rel)
        {
            string what = study.Method switch
            {
                GroupingMethod.Tag => "Lookahead affinity Z(row → column)",
                GroupingMethod.Gumbel => "Similarity of allocation probabilities over training (cosine of each task's deviation from the mean task)",
                GroupingMethod.Transfer => "Transfer gain % (row's frozen network → column's head, against column from scratch)",
                _ => "Pair gain: column's score trained with row − alone",
            };
            double max = rel.SelectMany(r => r).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max();
            sb.Append("<section id=\"relation\"><h2>Task relation</h2>")
              .Append(new SvgHeatmap { Kind = "relation", Title = what, RowLabels = [.. study.Tasks], ColumnLabels = [.. study.Tasks], Values = rel, Diverging = true, Domain = (-Math.Max(max, 1e-12), Math.Max(max, 1e-12)), ShowValues = study.Tasks.Count <= 10 }.Render())
              .Append("</section>");
        }

        if (study.Transfer is { } tr)
        {
            sb.Append("<section id=\"transfer\"><h2>Transfer</h2><p class=\"note\">Each target's head trained on ")
              .Append((100 * tr.Fraction).ToString("G4", ci)).Append(" % of its training examples over each source's frozen network; test metric [source → target] (diagonal: the target's own network).</p>")
              .Append(new SvgHeatmap { Kind = "transfer", Title = "Test metric, source (row) → target (column)", RowLabels = [.. study.Tasks], ColumnLabels = [.. study.Tasks], Values = tr.Test, ShowValues = study.Tasks.Count <= 10 }.Render())
              .Append("<table><thead><tr><th>target</th><th>from scratch</th><th>sources, best first (gain %)</th></tr></thead><tbody>");
            for (int i = 0; i < study.Tasks.Count; i++)
            {
                sb.Append("<tr><td>").Append(Markup.Escape(study.Tasks[i])).Append("</td><td>").Append(Markup.Number(tr.Scratch[i])).Append("</td><td>")
                  .Append(Markup.Escape(string.Join(", ", tr.Ranking[i].Select(j => $"{study.Tasks[j]} ({tr.Gain[j][i].ToString("+0.0;-0.0", ci)})")))).Append("</td></tr>");
            }
            sb.Append("</tbody></table></section>");
        }

        sb.Append("<section id=\"results\"><h2>Per task</h2><table><thead><tr><th>task</th><th>metric</th><th>served by</th>");
        if (study.Predicted is not null) sb.Append("<th>predicted</th>");
        if (study.Measured is not null) sb.Append("<th>measured (test)</th>");
        if (study.AllInOne is not null) sb.Append("<th>all-in-one</th>");
        if (study.AllSeparate is not null) sb.Append("<th>all-separate</th>");
        sb.Append("</tr></thead><tbody>");
        for (int t = 0; t < study.Tasks.Count; t++)
        {
            int k = study.Grouping.Networks.ToList().FindIndex(nw => nw.Serves.Contains(t));
            sb.Append("<tr><td>").Append(Markup.Escape(study.Tasks[t])).Append("</td><td>").Append(Markup.Escape(study.Metrics[t])).Append("</td><td>")
              .Append(rows[k]).Append("</td>");
            foreach (var col in new[] { study.Predicted, study.Measured, study.AllInOne, study.AllSeparate })
            {
                if (col is not null) sb.Append("<td>").Append(Markup.Number(col[t])).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></section></main></body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes <c>grouping.json</c> and <c>grouping.html</c> into <paramref name="directory"/> (atomically).</summary>
    public static void Save(GroupingStudy study, string directory, string title)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var utf8 = new UTF8Encoding(false);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "grouping.json"), utf8.GetBytes(Json(study)));
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(Path.Combine(directory, "grouping.html"), utf8.GetBytes(Render(study, title)));
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Matrix(Utf8JsonWriter w, string name, double[][] rows)
    {
        w.WriteStartArray(name);
        foreach (var row in rows) { w.WriteStartArray(); foreach (double v in row) Value(w, v); w.WriteEndArray(); }
        w.WriteEndArray();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values) Value(w, v);
        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        w.WritePropertyName(name);
        Value(w, v);
    }

    private static void Value(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }
}
