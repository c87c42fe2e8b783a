using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// C parallel convolutions (k×k, <c>filters</c> output channels each, ReLU) on the same input, computed as one
/// convolution with C·filters output channels — mathematically identical to C separate ones (the peer's
/// <c>ModularConv</c>). Each component's kernel is Glorot-uniform on its own fans; biases zero. Output layout:
/// [N, C, filters·Ho·Wo]. Evaluating a subset slices the selected components' filters out of the weight.
/// </summary>
public sealed class ConvComponents : Module, IComponentStack
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;
    private readonly int _inChannels;
    private readonly int _filters;
    private readonly int _kernel;
    private readonly int _stride;
    private readonly PaddingMode _padding;

    /// <summary>Creates <paramref name="count"/> convolutions.</summary>
    public ConvComponents(int count, int inChannels, int filters, int kernel, Rng rng, int stride = 1, PaddingMode padding = PaddingMode.Valid)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _inChannels = inChannels;
        _filters = filters;
        _kernel = kernel;
        _stride = stride;
        _padding = padding;
        float bound = MathF.Sqrt(6f / ((inChannels * kernel * kernel) + (filters * kernel * kernel)));
        _weight = RegisterParameter("weight", Tensor.Uniform(new Shape(count * filters, inChannels, kernel, kernel), -bound, bound, rng));
        _bias = RegisterParameter("bias", Tensor.Zeros(count * filters));
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <summary>Weight [C·filters, in, k, k] (for exporters).</summary>
    internal Parameter Weight => _weight;

    /// <summary>Bias [C·filters] (for exporters).</summary>
    internal Parameter Bias => _bias;

    /// <summary>Output channels of each component (for exporters).</summary>
    internal int Filters => _filters;

    /// <summary>Input channels (for exporters).</summary>
    internal int InChannels => _inChannels;

    /// <summary>Kernel size (for exporters).</summary>
    internal int Kernel => _kernel;

    /// <summary>Stride (for exporters).</summary>
    internal int Stride => _stride;

    /// <summary>Padding (for exporters).</summary>
    internal PaddingMode Padding => _padding;

    /// <inheritdoc />
    public StackedOutput Forward(Tensor x, ReadOnlySpan<int> components)
    {
        ArgumentNullException.ThrowIfNull(x);
        ShapeMismatchException.Require(x.Rank == 4 && x.Shape[1] == _inChannels, "ConvComponents", $"input [N, {_inChannels}, H, W]", x.Shape);
        Tensor w = _weight.Value, b = _bias.Value;
        int a = Count;
        if (!components.IsEmpty && components.Length != Count)
        {
            a = components.Length;
            var ws = new Tensor[a];
            var bs = new Tensor[a];
            for (int i = 0; i < a; i++)
            {
                ws[i] = Ops.Slice(w, 0, components[i] * _filters, _filters);
                bs[i] = Ops.Slice(b, 0, components[i] * _filters, _filters);
            }

            w = a == 1 ? ws[0] : Ops.Concat(ws, 0);
            b = a == 1 ? bs[0] : Ops.Concat(bs, 0);
        }

        Tensor y = Ops.Conv2dRelu(x, w, b, _stride, _padding);
        int n = y.Shape[0], ho = y.Shape[2], wo = y.Shape[3];
        return new StackedOutput(Ops.Reshape(y, n, a, _filters * ho * wo), new Shape(n, _filters, ho, wo));
    }

    /// <inheritdoc />
    public Shape OutputShape(Shape input)
    {
        int Out(int size) => _padding == PaddingMode.Same ? (size + _stride - 1) / _stride : ((size - _kernel) / _stride) + 1;
        return new Shape(input[0], _filters, Out(input[2]), Out(input[3]));
    }
}
