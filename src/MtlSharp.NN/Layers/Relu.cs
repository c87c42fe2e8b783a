using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>ReLU max(0, x), element-wise (no parameters).</summary>
public sealed class Relu : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.Relu(input);
}
