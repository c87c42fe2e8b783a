namespace MtlSharp.MultiTask.Configuration;

/// <summary>A routed layer whose components are MLPs of different shapes (same output width).</summary>
public sealed record GroupLayerSpec(IReadOnlyList<MlpLayerSpec> Members) : LayerSpec;
