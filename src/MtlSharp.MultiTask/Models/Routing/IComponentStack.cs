using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// The parallel components of one routed layer, evaluated together. Components of equal shape are computed as one
/// batched op (one GEMM or one convolution for all of them) rather than one by one.
/// </summary>
public interface IComponentStack
{
    /// <summary>Number of components C.</summary>
    int Count { get; }

    /// <summary>
    /// Evaluates the <paramref name="components"/> (ascending indices; every component when empty) on the same
    /// input and returns their stacked outputs, component axis in the order given.
    /// </summary>
    StackedOutput Forward(Tensor x, ReadOnlySpan<int> components);

    /// <summary>The combined output shape for an input of shape <paramref name="input"/>.</summary>
    Shape OutputShape(Shape input);
}
