using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A shared stage of GroupNorm (per-channel affine) optionally followed by ReLU — the Omniglot network's "GN and ReLU
/// after each modular layer" (spec A10(e)).
/// </summary>
public sealed class NormStage : Module<Tensor, Tensor>
{
    private readonly GroupNorm _norm;

    /// <summary>Creates the stage over <paramref name="channels"/> channels in <paramref name="groups"/> groups.</summary>
    public NormStage(int groups, int channels, bool relu)
    {
        _norm = RegisterModule("norm", new GroupNorm(groups, channels));
        Relu = relu;
    }

    /// <summary>Whether ReLU follows the norm.</summary>
    public bool Relu { get; }

    /// <summary>The norm (for exporters).</summary>
    internal GroupNorm Norm => _norm;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var y = _norm.Forward(input);
        return Relu ? Ops.Relu(y) : y;
    }
}
