namespace MtlSharp.MultiTask.Configuration;

/// <summary>Shared average pooling.</summary>
public sealed record PoolLayerSpec(int Kernel, int Stride) : LayerSpec;
