using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The outputs of a stack of parallel components: <see cref="Stacked"/> is a [outer, C, inner] view (component axis
/// 1) and <see cref="Combined"/> the shape one combined output takes (outer·inner elements).
/// </summary>
/// <param name="Stacked">[outer, C, inner].</param>
/// <param name="Combined">Shape after combining over components.</param>
public readonly record struct StackedOutput(Tensor Stacked, Shape Combined);
