using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Hyperbolic tangent, element-wise (no parameters).</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.Tanh(input);
}
