using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// The encoder of images (<see cref="TensorInput"/> [N, C, H, W]): a k×k convolution (valid padding) → ReLU →
/// 2×2 max pooling → flatten → linear → tanh to the core's width, from the engine's components.
/// </summary>
public sealed class ConvImageEncoder : Module, IInputEncoder
{
    private readonly Conv2d _conv;
    private readonly MaxPool2d _pool;
    private readonly Linear _projection;

    /// <summary>Creates the encoder for [channels, height, width] images.</summary>
    public ConvImageEncoder(int channels, int height, int width, int filters, int kernel, int outputWidth, Rng rng)
    {
        int ho = (height - kernel + 1) / 2, wo = (width - kernel + 1) / 2;
        if (ho < 1 || wo < 1)
        {
            throw new ArgumentException($"ConvImageEncoder: a {kernel}×{kernel} convolution and 2×2 pooling need images larger than {height}×{width}.");
        }

        _conv = RegisterModule("conv", new Conv2d(channels, filters, kernel, rng));
        _pool = RegisterModule("pool", new MaxPool2d(2));
        _projection = RegisterModule("projection", new Linear(filters * ho * wo, outputWidth, rng));
        OutputWidth = outputWidth;
    }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>The convolution (read by the ONNX export).</summary>
    internal Conv2d Conv => _conv;

    /// <summary>The 2×2 max pooling.</summary>
    internal MaxPool2d Pool => _pool;

    /// <summary>The projection to the core's width.</summary>
    internal Linear Projection => _projection;

    /// <inheritdoc/>
    public string Name => "conv";

    /// <inheritdoc/>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public int Rows(BatchInput input) => DenseEncoder.Rows(input, this);

    /// <inheritdoc/>
    public Tensor Encode(BatchInput input, in ForwardContext context)
    {
        var x = DenseEncoder.Tensors(input, this);
        if (x.Rank != 4)
        {
            throw new ArgumentException($"The conv encoder reads images [N, C, H, W], got shape {x.Shape}.");
        }

        return Ops.Tanh(_projection.Forward(Ops.Flatten(_pool.Forward(Ops.Relu(_conv.Forward(x))), 1)));
    }
}
