using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>Max pooling over k×k windows of x [N, C, H, W] (stride defaults to the kernel size, as PyTorch).</summary>
public sealed class MaxPool2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the pooling layer.</summary>
    public MaxPool2d(int kernel, int? stride = null, PaddingMode padding = PaddingMode.Valid)
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

    /// <summary>Padding mode (padded cells never win).</summary>
    public PaddingMode Padding { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Ops.MaxPool2d(input, Kernel, Stride, Padding);
}
