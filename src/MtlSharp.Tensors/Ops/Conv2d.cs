using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch): x [N, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout]
    /// or null → [N, Cout, Ho, Wo]. Rectangular kernels (1×7, 7×1) and strides allowed.
    /// </summary>
    /// <remarks>
    /// Output sizes and padding follow <see cref="PaddingMode"/> (TensorFlow's 'VALID'/'SAME'; for odd kernels and
    /// stride 1, 'SAME' equals PyTorch's <c>padding=k/2</c>). Computed per image, images spread over
    /// <see cref="Threading.ThreadCount"/> threads: stride-1 kernels over fewer than 16 input channels by a direct
    /// register-blocked AVX2 convolution (no GEMM; dW reduced over the whole batch); kernels of more than one tap over
    /// ≥ 16 channels, any strides, by a direct convolution with the channels in the vector lanes, blocks of pixels
    /// over the whole batch ('same' padding from a pixel-major padded copy; dx summing only the taps each pixel
    /// receives, strided by phase with the sub-kernels; dW reduced over the whole batch in one pass); otherwise
    /// im2col + GEMM in bands of output rows (bounded scratch), with col2im for dx. Backward gives dx, dW and db;
    /// results are deterministic for a fixed thread count.
    /// </remarks>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int strideH, int strideW, PaddingMode padding) =>
        Conv2dCore("Conv2d", x, weight, bias, strideH, strideW, padding, relu: false);

    /// <summary>
    /// <c>Relu(Conv2d(x, weight, bias, stride, padding))</c> as one op (the activation is applied as the output is
    /// written; the backward pass masks dy by y &gt; 0 once): same values and gradients as the two ops, without the
    /// intermediate tensor and its gradient buffer.
    /// </summary>
    public static Tensor Conv2dRelu(Tensor x, Tensor weight, Tensor? bias, int stride = 1, PaddingMode padding = PaddingMode.Valid) =>
        Conv2dCore("Conv2dRelu", x, weight, bias, stride, stride, padding, relu: true);

    private static Tensor Conv2dCore(string op, Tensor x, Tensor weight, Tensor? bias, int strideH, int strideW, PaddingMode padding, bool relu)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ShapeMismatchException.Require(x.Rank == 4 && weight.Rank == 4, op, "x must be [N, Cin, H, W] and weight [Cout, Cin, kh, kw]", x.Shape, weight.Shape);
        if (x.Shape[1] != weight.Shape[1])
        {
            throw new ShapeMismatchException(op, $"x has {x.Shape[1]} input channels but weight expects {weight.Shape[1]}", x.Shape, weight.Shape);
        }

        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ShapeMismatchException(op, $"bias must be [{weight.Shape[0]}] (one per output channel)", weight.Shape, bias.Shape);
        }

        if (strideH < 1 || strideW < 1)
        {
            throw new ArgumentException($"{op}: strides must be at least 1, got ({strideH}, {strideW}).");
        }

        if (padding is not (PaddingMode.Valid or PaddingMode.Same))
        {
            throw new ArgumentException($"{op}: unknown padding mode {padding}.");
        }

        var g = new ConvGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], weight.Shape[0], weight.Shape[2], weight.Shape[3], strideH, strideW, padding);
        ShapeMismatchException.Require(g.Kh > 0 && g.Kw > 0 && g.Cout > 0, op, "weight must have non-empty kernel and output channels", x.Shape, weight.Shape);
        if (g.Ho <= 0 || g.Wo <= 0)
        {
            throw new ShapeMismatchException(op, $"the {g.Kh}×{g.Kw} kernel does not fit the {g.H}×{g.W} input with {padding} padding", x.Shape, weight.Shape);
        }

        var y = Tensor.Scratch(new Shape(g.N, g.Cout, g.Ho, g.Wo));
        if (g.N > 0 && g.Cin > 0)
        {
            ConvGemm.Forward(x, weight, bias, y, g, relu);
        }
        else
        {
            FillBias(y.Span, bias, g);
            if (relu)
            {
                TensorPrimitives.Max(y.Span, 0f, y.Span);
            }
        }

        return Autograd.ShouldRecord(x, weight, bias) ? y.WithGradFn(new Conv2dNode(x, weight, bias, g, relu)) : y;
    }

    /// <summary>Conv2d with the same stride on both axes.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, PaddingMode padding = PaddingMode.Valid) =>
        Conv2d(x, weight, bias, stride, stride, padding);

    /// <summary>
    /// Spatial output size of a convolution or pooling along one axis (see <see cref="PaddingMode"/>):
    /// Valid: floor((in − k)/s) + 1; Same: ceil(in/s). Returns 0 or less when a Valid kernel does not fit.
    /// </summary>
    public static int SpatialOutputSize(int inputSize, int kernel, int stride, PaddingMode padding)
    {
        if (inputSize < 0 || kernel < 1 || stride < 1)
        {
            throw new ArgumentException($"SpatialOutputSize: need input ≥ 0, kernel ≥ 1, stride ≥ 1; got {inputSize}, {kernel}, {stride}.");
        }

        return ConvGeometry.Resolve(inputSize, kernel, stride, padding).Out;
    }

    private static void FillBias(Span<float> y, Tensor? bias, in ConvGeometry g)
    {
        for (int n = 0; n < g.N; n++)
        {
            for (int co = 0; co < g.Cout; co++)
            {
                y.Slice(((n * g.Cout) + co) * g.P, g.P).Fill(bias is null ? 0f : bias.Span[co]);
            }
        }
    }

    /// <summary>
    /// dst = g where y &gt; 0, else 0 (the ReLU backward mask; NaN outputs pass no gradient), per plane of
    /// <paramref name="plane"/> floats, adding each plane's sum into
    /// <paramref name="sums"/>[plane index % sums.Length] when <paramref name="sums"/> is not empty (the bias gradient).
    /// </summary>
    private static void MaskWherePositive(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> dst, int plane, Span<float> sums)
    {
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rd = ref MemoryMarshal.GetReference(dst);
        int planes = dst.Length / plane;
        for (int p = 0; p < planes; p++)
        {
            int i = p * plane, end = i + plane;
            Vector256<float> acc = Vector256<float>.Zero;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; i + 8 <= end; i += 8)
                {
                    var m = Vector256.GreaterThan(Vector256.LoadUnsafe(ref ry, (nuint)i), Vector256<float>.Zero);
                    var v = Vector256.LoadUnsafe(ref rg, (nuint)i) & m;
                    v.StoreUnsafe(ref rd, (nuint)i);
                    acc += v;
                }
            }

            float sum = Vector256.Sum(acc);
            for (; i < end; i++)
            {
                float v = y[i] > 0f ? g[i] : 0f;
                dst[i] = v;
                sum += v;
            }

            if (!sums.IsEmpty)
            {
                sums[p % sums.Length] += sum;
            }
        }
    }

    /// <summary>
    /// gb[co] += Σ_n Σ_p dy[n, co, p]: each plane summed by <see cref="FixedOrder.Sum"/> (a fixed order, so the
    /// same bits with or without AVX-512), the planes over threads, then added to gb image by image in order — the
    /// same sums in the same order at any thread count.
    /// </summary>
    private static unsafe void AddPlaneSums(ReadOnlySpan<float> dy, Span<float> gb, int n, int cout, int p)
    {
        int planes = n * cout;
        if ((long)planes * p < 1 << 17)
        {
            for (int i = 0; i < planes; i++)
            {
                gb[i % cout] += FixedOrder.Sum(dy.Slice(i * p, p));
            }

            return;
        }

        var sums = Tensor.Scratch(new Shape(planes));
        fixed (float* pdy = dy)
        fixed (float* ps = sums.Span)
        {
            float* src = pdy, dst = ps;
            Threading.For(planes, Math.Max(1, (1 << 16) / Math.Max(1, p)), (i0, i1) =>
            {
                for (int i = i0; i < i1; i++)
                {
                    dst[i] = FixedOrder.Sum(new ReadOnlySpan<float>(src + ((nint)i * p), p));
                }
            });
        }

        ReadOnlySpan<float> s = sums.Span;
        for (int i = 0; i < planes; i++)
        {
            gb[i % cout] += s[i];
        }
    }

    private sealed class Conv2dNode : Node
    {
        private readonly ConvGeometry _g;
        private readonly bool _relu;

        public Conv2dNode(Tensor x, Tensor weight, Tensor? bias, ConvGeometry g, bool relu)
            : base(bias is null ? [x, weight] : [x, weight, bias])
        {
            _g = g;
            _relu = relu;
        }

        public override string Name => _relu ? "Conv2dRelu" : "Conv2d";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Tensor x = Inputs[0], w = Inputs[1];
            Span<float> gbias = Inputs.Length > 2 ? ctx.GradFor(Inputs[2]) : [];
            if (_relu)
            {
                // One pass: the masked dy and (bias gradient) its per-channel sums.
                var masked = Tensor.Scratch(output.Shape);
                MaskWherePositive(gradOutput, output.Span, masked.Span, Math.Max(1, _g.P), gbias);
                gradOutput = masked.Span;
            }
            else if (Inputs.Length > 2)
            {
                Span<float> gb = ctx.GradFor(Inputs[2]);
                if (!gb.IsEmpty)
                {
                    AddPlaneSums(gradOutput, gb, _g.N, _g.Cout, _g.P);
                }
            }

            if (_g.N == 0 || _g.Cin == 0)
            {
                return;
            }

            ConvGemm.Backward(x, w, gradOutput, ctx.GradFor(x), ctx.GradFor(w), _g);
        }
    }
}
