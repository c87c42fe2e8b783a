using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A shared (unrouted) convolution every task uses — e.g. the Omniglot stem, 1×1 to 48 channels — followed by
/// GroupNorm (when <see cref="GroupNorm"/> &gt; 0) and ReLU.
/// </summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelH">Kernel height.</param>
/// <param name="KernelW">Kernel width.</param>
/// <param name="Stride">Stride on both axes.</param>
/// <param name="Padding">Valid or same.</param>
/// <param name="GroupNorm">GroupNorm groups (0: none).</param>
public sealed record SharedConvLayerSpec(int Filters, int KernelH, int KernelW, int Stride, PaddingMode Padding, int GroupNorm) : LayerSpec;
