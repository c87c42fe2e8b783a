using System.Globalization;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// Applies layers in order; they are registered as children "0", "1", … so parameters are named
/// <c>0.weight</c>, <c>2.bias</c>… as in PyTorch's <c>nn.Sequential</c>.
/// </summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor>[] _layers;

    /// <summary>Creates the chain.</summary>
    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = new Module<Tensor, Tensor>[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            _layers[i] = RegisterModule(i.ToString(CultureInfo.InvariantCulture), layers[i]);
        }
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Length;

    /// <summary>Layer <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        Tensor h = input;
        foreach (var layer in _layers)
        {
            h = layer.Forward(h);
        }

        return h;
    }
}
