namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A routed layer of components of different kinds on the same input (the Omniglot layer, spec A10(e)): 'same'
/// padding, <see cref="Stride"/> on the last op of every component, convolutions to <see cref="Filters"/> channels
/// with GroupNorm(<see cref="GroupNorm"/>) and ReLU after each.
/// </summary>
/// <param name="Components">The component kinds, in component order.</param>
/// <param name="Filters">Output channels of the convolutions (pooling and identity keep the input's, which must match).</param>
/// <param name="Stride">The layer's stride.</param>
/// <param name="GroupNorm">GroupNorm groups after each convolution (0: none).</param>
public sealed record ModulesLayerSpec(IReadOnlyList<ComponentSpec> Components, int Filters, int Stride, int GroupNorm) : LayerSpec;
