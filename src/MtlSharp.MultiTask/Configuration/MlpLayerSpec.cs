namespace MtlSharp.MultiTask.Configuration;

/// <summary>A routed layer of <see cref="Components"/> MLPs whose linear layers have the output widths <see cref="Sizes"/>.</summary>
public sealed record MlpLayerSpec(int Components, IReadOnlyList<int> Sizes, bool OutputRelu) : LayerSpec;
