namespace MtlSharp.MultiTask.Configuration;

/// <summary>A routed layer of <see cref="Components"/> convolutions (valid padding, ReLU).</summary>
public sealed record ConvLayerSpec(int Components, int Filters, int Kernel) : LayerSpec;
