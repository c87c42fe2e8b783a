using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// Layer normalisation (Ba et al. 2016) over the last axis, PyTorch's <c>nn.LayerNorm(dim)</c>: <c>weight</c> [D]
/// (ones) and <c>bias</c> [D] (zeros).
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer over a last axis of size <paramref name="dim"/>.</summary>
    public LayerNorm(int dim, float eps = 1e-5f, bool affine = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Dim = dim;
        Eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor.Ones(dim));
            Bias = RegisterParameter("bias", Tensor.Zeros(dim));
        }
    }

    /// <summary>Size of the normalised axis.</summary>
    public int Dim { get; }

    /// <summary>Variance epsilon.</summary>
    public float Eps { get; }

    /// <summary>Scale γ [D], or null without affine.</summary>
    public Parameter? Weight { get; }

    /// <summary>Shift β [D], or null without affine.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.LayerNorm(input, Weight?.Value, Bias?.Value, Eps);
}
