using System.Text;
using System.Text.Json;

namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// Reads and writes <see cref="RunReport"/> as indented camelCase JSON (<c>report.json</c>) through the
/// source-generated <see cref="RunReportJsonContext"/>; no reflection-based serialization.
/// Non-finite numbers are written as <c>"NaN"</c> / <c>"Infinity"</c> / <c>"-Infinity"</c>.
/// </summary>
public static class RunReportJson
{
    /// <summary>Serializes <paramref name="report"/> to an indented camelCase JSON string.</summary>
    public static string Serialize(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, RunReportJsonContext.Default.RunReport);
    }

    /// <summary>Parses a report written by <see cref="Serialize"/>.</summary>
    /// <exception cref="JsonException">The text is not a valid report (e.g. a required field is missing).</exception>
    public static RunReport Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize(json, RunReportJsonContext.Default.RunReport)
               ?? throw new JsonException("RunReportJson.Deserialize: the JSON is 'null', not a report.");
    }

    /// <summary>
    /// Writes <paramref name="report"/> to <paramref name="path"/> atomically: the JSON goes to a temporary file in
    /// the same directory, which then replaces <paramref name="path"/> by a rename, so readers never see a partial
    /// file. Creates the directory if needed.
    /// </summary>
    public static void Save(RunReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        MtlSharp.NN.Checkpoints.AtomicFile.WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(Serialize(report)));
    }

    /// <summary>Reads a report from <paramref name="path"/>.</summary>
    public static RunReport Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Deserialize(File.ReadAllText(path, Encoding.UTF8));
    }
}
