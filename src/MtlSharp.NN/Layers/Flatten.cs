using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Flattens axes from <see cref="StartAxis"/> on into one: [N, C, H, W] → [N, C·H·W] by default (a view).</summary>
public sealed class Flatten : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Flatten(int startAxis = 1)
    {
        StartAxis = startAxis;
    }

    /// <summary>The first axis merged.</summary>
    public int StartAxis { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.Flatten(input, StartAxis);
}
