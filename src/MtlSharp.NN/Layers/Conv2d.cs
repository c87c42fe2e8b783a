using MtlSharp.NN.Init;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// 2-D convolution (PyTorch's <c>nn.Conv2d</c>, cross-correlation): x [N, Cin, H, W] → [N, Cout, Ho, Wo], with
/// rectangular kernels, per-axis strides and <see cref="PaddingMode"/> (Valid or TensorFlow-style Same).
/// Parameters <c>weight</c> [Cout, Cin, kh, kw] and <c>bias</c> [Cout]; default initialisation as PyTorch
/// (U(±1/√(Cin·kh·kw)) for both).
/// </summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates a convolution with a kh×kw kernel.</summary>
    public Conv2d(
        int inChannels, int outChannels, int kernelH, int kernelW, Rng rng,
        int strideH = 1, int strideW = 1, PaddingMode padding = PaddingMode.Valid, bool bias = true, Initializer? weightInit = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelH);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelW);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strideH);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strideW);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelH = kernelH;
        KernelW = kernelW;
        StrideH = strideH;
        StrideW = strideW;
        Padding = padding;
        var w = Tensor.Zeros(outChannels, inChannels, kernelH, kernelW);
        (weightInit ?? new Initializer.PyTorchDefault()).Apply(w, rng);
        Weight = RegisterParameter("weight", w);
        if (bias)
        {
            var b = Tensor.Zeros(outChannels);
            TensorInit.DefaultBias(b, inChannels * kernelH * kernelW, rng);
            Bias = RegisterParameter("bias", b);
        }
    }

    /// <summary>Creates a convolution with a square kernel and equal strides.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, Rng rng, int stride = 1, PaddingMode padding = PaddingMode.Valid, bool bias = true, Initializer? weightInit = null)
        : this(inChannels, outChannels, kernel, kernel, rng, stride, stride, padding, bias, weightInit)
    {
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height.</summary>
    public int KernelH { get; }

    /// <summary>Kernel width.</summary>
    public int KernelW { get; }

    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }

    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }

    /// <summary>Padding mode.</summary>
    public PaddingMode Padding { get; }

    /// <summary>The weight [Cout, Cin, kh, kw].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [Cout], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>x [N, Cin, H, W] → [N, Cout, Ho, Wo].</summary>
    public override Tensor Forward(Tensor input) => Ops.Conv2d(input, Weight, Bias?.Value, StrideH, StrideW, Padding);
}
