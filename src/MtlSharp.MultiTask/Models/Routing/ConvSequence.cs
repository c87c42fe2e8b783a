using MtlSharp.NN;
using MtlSharp.NN.Init;
using MtlSharp.NN.Layers;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A convolutional component of several ops in a row (e.g. the Omniglot layer's conv 3×3 → conv 3×3 or
/// conv 1×7 → conv 7×1; spec A10(e)): each op a 'same'-padded convolution to <c>filters</c> channels followed by
/// GroupNorm (when <c>groups</c> &gt; 0) and ReLU (unless <c>relu</c> is false: the Omniglot layer's strided identity,
/// a 1×1 convolution alone); the stride applies to the last op only. Kernels are Glorot-uniform
/// (TensorFlow's default); a convolution followed by GroupNorm has no bias (the norm's shift replaces it), one
/// without has a zero-initialised bias.
/// </summary>
public sealed class ConvSequence : Module<Tensor, Tensor>
{
    private readonly Conv2d[] _convs;
    private readonly GroupNorm?[] _norms;

    /// <summary>Creates the sequence; <paramref name="kernels"/> lists each op's (height, width).</summary>
    public ConvSequence(int inChannels, int filters, IReadOnlyList<(int H, int W)> kernels, int stride, int groups, Rng rng, PaddingMode padding = PaddingMode.Same, bool relu = true)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(rng);
        if (kernels.Count == 0)
        {
            throw new ArgumentException("A convolutional component needs at least one op.", nameof(kernels));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(groups);
        if (groups > 0 && filters % groups != 0)
        {
            throw new ArgumentException($"GroupNorm with {groups} groups needs a multiple of {groups} filters, got {filters}.", nameof(groups));
        }

        Kernels = [.. kernels];
        Stride = stride;
        Groups = groups;
        Padding = padding;
        Relu = relu;
        _convs = new Conv2d[kernels.Count];
        _norms = new GroupNorm?[kernels.Count];
        for (int i = 0; i < kernels.Count; i++)
        {
            int s = i == kernels.Count - 1 ? stride : 1;
            var conv = new Conv2d(i == 0 ? inChannels : filters, filters, kernels[i].H, kernels[i].W, rng, s, s, padding, bias: groups == 0, new Initializer.XavierUniform());
            conv.Bias?.Value.Span.Clear();
            _convs[i] = RegisterModule($"conv{i}", conv);
            if (groups > 0)
            {
                _norms[i] = RegisterModule($"norm{i}", new GroupNorm(groups, filters));
            }
        }
    }

    /// <summary>Each op's kernel (height, width).</summary>
    public IReadOnlyList<(int H, int W)> Kernels { get; }

    /// <summary>Stride of the last op.</summary>
    public int Stride { get; }

    /// <summary>GroupNorm groups after each op (0: none).</summary>
    public int Groups { get; }

    /// <summary>Padding of every op.</summary>
    public PaddingMode Padding { get; }

    /// <summary>Whether ReLU follows each op.</summary>
    public bool Relu { get; }

    /// <summary>The convolutions, in order (for exporters).</summary>
    internal IReadOnlyList<Conv2d> Convs => _convs;

    /// <summary>The GroupNorm after each convolution, or null where none (for exporters).</summary>
    internal IReadOnlyList<GroupNorm?> Norms => _norms;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        Tensor y = input;
        for (int i = 0; i < _convs.Length; i++)
        {
            y = _convs[i].Forward(y);
            if (_norms[i] is { } norm)
            {
                y = norm.Forward(y);
            }

            if (Relu)
            {
                y = Ops.Relu(y);
            }
        }

        return y;
    }
}
