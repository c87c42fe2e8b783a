using System.Text.Json.Serialization;

namespace MtlSharp.MultiTask.Reporting;

/// <summary>
/// Source-generated System.Text.Json metadata for <see cref="RunReport"/> (no reflection; AOT/trim safe).
/// camelCase property names, indented output, and NaN/±Infinity written as the strings <c>"NaN"</c>,
/// <c>"Infinity"</c>, <c>"-Infinity"</c> so a diverged run still produces a readable report.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class RunReportJsonContext : JsonSerializerContext
{
}
