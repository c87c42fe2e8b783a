using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Mean over the spatial axes: [N, C, H, W] → [N, C].</summary>
public sealed class GlobalAvgPool : Module<Tensor, Tensor>
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.GlobalAvgPool(input);
}
