using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>A stage of a <see cref="RoutedNetwork"/> whose output depends on the routing context (task, training).</summary>
public interface IRoutedStage
{
    /// <summary>The stage's output for the context's task.</summary>
    Tensor Forward(Tensor x, in RoutingContext ctx);
}
