using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Minimum elements per parallel chunk of pooling work.</summary>
    private const int PoolGrainElements = 1 << 15;

    /// <summary>
    /// Max pooling of x [N, C, H, W] with a k×k window (padded cells never win) → [N, C, Ho, Wo], sizes as in
    /// <see cref="PaddingMode"/>. Backward routes each gradient to the first maximal element of its window
    /// (PyTorch's rule); TensorFlow 'SAME' equals PyTorch's max_pool2d over an input padded with −∞.
    /// </summary>
    public static unsafe Tensor MaxPool2d(Tensor x, int kernel, int stride, PaddingMode padding = PaddingMode.Valid)
    {
        var g = PoolGeometry("MaxPool2d", x, kernel, stride, padding);
        var y = Tensor.Scratch(new Shape(g.N, g.Cin, g.Ho, g.Wo));
        var argmax = Tensor.Scratch(y.Shape); // int indices stored bit-for-bit in a float buffer
        int planes = g.N * g.Cin;
        fixed (float* px = x.Span)
        fixed (float* py = y.Span)
        fixed (float* pa = argmax.Span)
        {
            var p = new PoolPointers { A = px, B = py, Idx = (int*)pa };
            Threading.For(planes, PoolGrain(g), (p0, p1) => PoolKernels.MaxForward(p.A, p.B, p.Idx, g, p0, p1));
        }

        return Autograd.ShouldRecord(x) ? y.WithGradFn(new MaxPool2dNode(x, argmax, g)) : y;
    }

    /// <summary>
    /// Average pooling of x [N, C, H, W] with a k×k window → [N, C, Ho, Wo]; each output averages the real,
    /// unpadded cells of its window (TensorFlow 'SAME'; PyTorch <c>count_include_pad=False</c>).
    /// </summary>
    public static unsafe Tensor AvgPool2d(Tensor x, int kernel, int stride, PaddingMode padding = PaddingMode.Valid)
    {
        var g = PoolGeometry("AvgPool2d", x, kernel, stride, padding);
        var y = Tensor.Scratch(new Shape(g.N, g.Cin, g.Ho, g.Wo));
        fixed (float* px = x.Span)
        fixed (float* py = y.Span)
        {
            var p = new PoolPointers { A = px, B = py };
            Threading.For(g.N * g.Cin, PoolGrain(g), (p0, p1) => PoolKernels.AvgForward(p.A, p.B, g, p0, p1));
        }

        return Autograd.ShouldRecord(x) ? y.WithGradFn(new AvgPool2dNode(x, g)) : y;
    }

    /// <summary>Mean over the spatial axes: [N, C, H, W] → [N, C] (summed in double).</summary>
    public static Tensor GlobalAvgPool(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4)
        {
            throw new ShapeMismatchException("GlobalAvgPool", "x must be [N, C, H, W]", x.Shape);
        }

        int planes = x.Shape[0] * x.Shape[1], hw = x.Shape[2] * x.Shape[3];
        if (hw == 0)
        {
            throw new ShapeMismatchException("GlobalAvgPool", "x must have a non-empty spatial extent", x.Shape);
        }

        var y = Tensor.Scratch(new Shape(x.Shape[0], x.Shape[1]));
        ReadOnlySpan<float> xs = x.Span;
        Span<float> ys = y.Span;
        for (int p = 0; p < planes; p++)
        {
            ys[p] = (float)(NormKernels.SumWide(xs.Slice(p * hw, hw)) / hw);   // in double: a float sum of 105×105 values is off by ~1e-5 relative
        }

        return Autograd.ShouldRecord(x) ? y.WithGradFn(new GlobalAvgPoolNode(x)) : y;
    }

    private static ConvGeometry PoolGeometry(string op, Tensor x, int kernel, int stride, PaddingMode padding)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4)
        {
            throw new ShapeMismatchException(op, "x must be [N, C, H, W]", x.Shape);
        }

        if (kernel < 1 || stride < 1)
        {
            throw new ArgumentException($"{op}: kernel and stride must be at least 1, got kernel {kernel}, stride {stride}.");
        }

        if (padding is not (PaddingMode.Valid or PaddingMode.Same))
        {
            throw new ArgumentException($"{op}: unknown padding mode {padding}.");
        }

        int c = x.Shape[1];
        var g = new ConvGeometry(x.Shape[0], c, x.Shape[2], x.Shape[3], c, kernel, kernel, stride, stride, padding);
        if (g.Ho <= 0 || g.Wo <= 0)
        {
            throw new ShapeMismatchException(op, $"the {kernel}×{kernel} window does not fit the {g.H}×{g.W} input with {padding} padding", x.Shape);
        }

        return g;
    }

    private static int PoolGrain(in ConvGeometry g) => Math.Max(1, PoolGrainElements / Math.Max(1, g.HW + (g.P * g.Kh * g.Kw)));

    private unsafe struct PoolPointers
    {
        public float* A;
        public float* B;
        public int* Idx;
    }

    private sealed class MaxPool2dNode(Tensor x, Tensor argmax, ConvGeometry g) : Node(x)
    {
        public override string Name => "MaxPool2d";

        public override unsafe void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            ConvGeometry geo = g;
            fixed (float* pg = gradOutput)
            fixed (float* pgx = gx)
            fixed (float* pa = argmax.Span)
            {
                var p = new PoolPointers { A = pg, B = pgx, Idx = (int*)pa };
                Threading.For(geo.N * geo.Cin, PoolGrain(geo), (p0, p1) => PoolKernels.MaxBackward(p.A, p.Idx, p.B, geo, p0, p1));
            }
        }
    }

    private sealed class AvgPool2dNode(Tensor x, ConvGeometry g) : Node(x)
    {
        public override string Name => "AvgPool2d";

        public override unsafe void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            ConvGeometry geo = g;
            fixed (float* pg = gradOutput)
            fixed (float* pgx = gx)
            {
                var p = new PoolPointers { A = pg, B = pgx };
                Threading.For(geo.N * geo.Cin, PoolGrain(geo), (p0, p1) => PoolKernels.AvgBackward(p.A, p.B, geo, p0, p1));
            }
        }
    }

    private sealed class GlobalAvgPoolNode(Tensor x) : Node(x)
    {
        public override string Name => "GlobalAvgPool";

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            if (gx.IsEmpty)
            {
                return;
            }

            int hw = Inputs[0].Shape[2] * Inputs[0].Shape[3];
            for (int p = 0; p < gradOutput.Length; p++)
            {
                Span<float> s = gx.Slice(p * hw, hw);
                System.Numerics.Tensors.TensorPrimitives.Add(s, gradOutput[p] / hw, s);
            }
        }
    }
}
