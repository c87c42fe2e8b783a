using System.Text.Json.Serialization;

namespace MtlSharp.NN.Checkpoints;

/// <summary>Source-generated (reflection-free, AOT-safe) JSON for <see cref="CheckpointMetadata"/>.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(CheckpointMetadata))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}
