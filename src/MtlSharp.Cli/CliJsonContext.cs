using System.Text.Json.Serialization;

namespace MtlSharp.Cli;

/// <summary>Source-generated JSON for the CLI's files.</summary>
[JsonSerializable(typeof(StoredRun))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CliJsonContext : JsonSerializerContext;
