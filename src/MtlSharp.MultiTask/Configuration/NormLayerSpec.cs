namespace MtlSharp.MultiTask.Configuration;

/// <summary>A shared GroupNorm stage (per-channel affine), optionally followed by ReLU.</summary>
/// <param name="Groups">GroupNorm groups.</param>
/// <param name="Relu">ReLU after the norm.</param>
public sealed record NormLayerSpec(int Groups, bool Relu) : LayerSpec;
