namespace MtlSharp.MultiTask.Configuration;

/// <summary>Shared (parameter-free) average or max pooling, valid padding.</summary>
public sealed record PoolLayerSpec(int Kernel, int Stride, PoolingKind Kind = PoolingKind.Average) : LayerSpec;
