using System.Text.Json.Serialization;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Source-generated JSON for reproduction tables (camelCase, indented).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<ReproductionRow>))]
internal sealed partial class ReproductionJsonContext : JsonSerializerContext;
