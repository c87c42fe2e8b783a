using System.Text.Json.Serialization;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Source-generated JSON for reproduction tables (camelCase, indented).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<ReproductionRow>))]
[JsonSerializable(typeof(IReadOnlyList<ConfigTableRow>))]
internal sealed partial class ReproductionJsonContext : JsonSerializerContext;
