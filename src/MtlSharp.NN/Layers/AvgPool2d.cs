using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Average pooling over k×k windows of x [N, C, H, W] (stride defaults to the kernel size, as PyTorch).</summary>
public sealed class AvgPool2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the pooling layer.</summary>
    public AvgPool2d(int kernel, int? stride = null, PaddingMode padding = PaddingMode.Valid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        Kernel = kernel;
        Stride = stride ?? kernel;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Stride, nameof(stride));
        Padding = padding;
    }

    /// <summary>Window size.</summary>
    public int Kernel { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Padding mode (averages over the real, unpadded cells).</summary>
    public PaddingMode Padding { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.AvgPool2d(input, Kernel, Stride, Padding);
}
