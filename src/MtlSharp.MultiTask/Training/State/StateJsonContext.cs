using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MtlSharp.MultiTask.Training.State;

/// <summary>Source-generated JSON metadata for the trainer state (no reflection).</summary>
[JsonSerializable(typeof(JsonObject))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class StateJsonContext : JsonSerializerContext;
