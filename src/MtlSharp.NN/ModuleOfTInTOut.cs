namespace MtlSharp.NN;

/// <summary>A module with a typed forward pass (TorchSharp's <c>Module&lt;T, TResult&gt;</c>).</summary>
/// <typeparam name="TIn">The input (usually a <see cref="Tensors.Tensor"/>).</typeparam>
/// <typeparam name="TOut">The output.</typeparam>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>Computes the module's output, recording the graph when gradients are enabled.</summary>
    public abstract TOut Forward(TIn input);
}
