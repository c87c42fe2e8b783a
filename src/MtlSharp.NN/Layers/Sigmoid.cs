using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Logistic sigmoid 1/(1+e^−x), element-wise (no parameters).</summary>
public sealed class Sigmoid : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.Sigmoid(input);
}
