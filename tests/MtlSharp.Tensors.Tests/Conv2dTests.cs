using System.Text.Json;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>Conv2d: gradient checks, PyTorch parity, output sizes, banding/threading invariance and errors.</summary>
public sealed class Conv2dTests
{
    private static Tensor Rand(Rng rng, float scale, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, scale, rng);
        t.RequiresGrad = true;
        return t;
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int, PaddingMode> GradCases => new()
    {
        // n, cin, h, w, cout, kh, kw, sh, sw, padding
        { 2, 2, 6, 5, 3, 3, 3, 1, 1, PaddingMode.Valid },
        { 2, 2, 6, 5, 3, 3, 3, 1, 1, PaddingMode.Same },
        { 1, 2, 7, 6, 3, 3, 3, 2, 2, PaddingMode.Same },
        { 1, 2, 8, 7, 2, 3, 3, 2, 2, PaddingMode.Valid },
        { 1, 2, 7, 8, 2, 5, 5, 1, 1, PaddingMode.Valid },
        { 1, 2, 6, 7, 2, 5, 5, 2, 2, PaddingMode.Same },
        { 1, 2, 5, 9, 3, 1, 7, 1, 1, PaddingMode.Same },
        { 1, 2, 9, 5, 3, 7, 1, 1, 1, PaddingMode.Same },
        { 1, 2, 9, 6, 2, 7, 1, 2, 2, PaddingMode.Same },
        { 2, 3, 4, 5, 4, 1, 1, 1, 1, PaddingMode.Valid },
        { 1, 3, 5, 6, 2, 1, 1, 2, 2, PaddingMode.Same },
        { 1, 2, 6, 6, 2, 3, 3, 1, 2, PaddingMode.Same },
        { 2, 1, 12, 12, 5, 5, 5, 1, 1, PaddingMode.Valid }, // direct path: rows of 8, padded output channels
        { 2, 5, 3, 4, 6, 2, 2, 1, 1, PaddingMode.Same }, // direct path: wide grid, padded input channels
    };

    [Theory]
    [MemberData(nameof(GradCases))]
    public void GradientsMatchFiniteDifferences(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, PaddingMode padding)
    {
        foreach (string path in Paths)
        {
            var rng = new Rng(7);
            var x = Rand(rng, 1f, n, cin, h, w);
            var wt = Rand(rng, 0.5f, cout, cin, kh, kw);
            var b = Rand(rng, 0.5f, cout);
            WithPath(path, () => GradCheck.Check(
                $"Conv2d {kh}x{kw} s{sh}{sw} {padding} path={path}", t => Ops.Conv2d(t[0], t[1], t[2], sh, sw, padding), [x, wt, b]));
        }
    }

    /// <summary>The convolution paths a test can force (see <see cref="ConvPaths"/>).</summary>
    private static readonly string[] Paths = ["im2col", "implicit-wide", "implicit-banded", "implicit-banded-views", "direct", "small"];

    /// <summary>
    /// Runs <paramref name="body"/> with the im2col path, or (where they apply: stride 1) the implicit-GEMM, the
    /// direct small-channel or the small-image path, forced.
    /// </summary>
    private static void WithPath(string path, Action body)
    {
        using (ConvPaths.Force(path))
        {
            body();
        }
    }

    /// <summary>The fused Conv2dRelu gives the values and gradients of Relu(Conv2d) on every path.</summary>
    [Theory]
    [InlineData(2, 1, 12, 12, 8, 5, 1, PaddingMode.Valid)]
    [InlineData(2, 4, 12, 12, 6, 3, 1, PaddingMode.Valid)]
    [InlineData(2, 3, 7, 6, 5, 3, 1, PaddingMode.Same)]
    [InlineData(1, 3, 9, 8, 4, 3, 2, PaddingMode.Same)]
    [InlineData(2, 17, 6, 6, 4, 3, 1, PaddingMode.Same)]
    public void ConvReluMatchesReluOfConv(int n, int cin, int h, int w, int cout, int k, int stride, PaddingMode padding)
    {
        foreach (string path in Paths)
        {
            var rng = new Rng(21);
            var x = Rand(rng, 1f, n, cin, h, w);
            var wt = Rand(rng, 0.5f, cout, cin, k, k);
            var b = Rand(rng, 0.5f, cout);
            (float[] y, float[] g) Run(bool fused)
            {
                Tensor y = fused ? Ops.Conv2dRelu(x, wt, b, stride, padding) : Ops.Relu(Ops.Conv2d(x, wt, b, stride, padding));
                float[] grads = new float[x.Length + wt.Length + b.Length];
                Autograd.Grad(SumOfSquares(y), [x, wt, b], grads);
                return (y.ToArray(), grads);
            }

            WithPath(path, () =>
            {
                var fused = Run(true);
                var plain = Run(false);
                TensorAssert.Close(plain.y, fused.y, 1e-6, 1e-6, $"{path} y");
                TensorAssert.Close(plain.g, fused.g, 1e-5, 1e-5, $"{path} grads");
                Assert.Contains(fused.y, v => v == 0f);
            });
        }
    }

    [Fact]
    public void GradientsWithoutBiasAndForXOnly()
    {
        var rng = new Rng(3);
        var x = Rand(rng, 1f, 2, 2, 5, 5);
        var wt = Rand(rng, 0.5f, 3, 2, 3, 3);
        GradCheck.Check("Conv2d no bias", t => Ops.Conv2d(t[0], t[1], null, 1, PaddingMode.Same), [x, wt]);
        wt.RequiresGrad = false;
        GradCheck.Check("Conv2d dx only", t => Ops.Conv2d(t[0], t[1], null, 2, PaddingMode.Same), [x, wt]);
    }

    public static TheoryData<string, string> ParityCases => new()
    {
        { "valid_s1_k5", "im2col" }, { "same_s1_k3", "im2col" }, { "same_s1_k1x7", "im2col" }, { "same_s2_k3", "im2col" }, { "same_s2_k7x1", "im2col" },
        { "valid_s1_k5", "implicit-wide" }, { "same_s1_k3", "implicit-wide" }, { "same_s1_k1x7", "implicit-wide" },
        { "valid_s1_k5", "implicit-banded" }, { "same_s1_k3", "implicit-banded" }, { "same_s1_k1x7", "implicit-banded" },
        { "same_s2_k3", "implicit-wide" }, // strided: the phased layout
    };

    [Theory]
    [MemberData(nameof(ParityCases))]
    public void MatchesPyTorch(string name, string path) => WithPath(path, () => MatchesPyTorchCore("conv/conv2d.json", name));

    public static TheoryData<string, string, string> DirectParityCases => new()
    {
        { "conv/conv2d.json", "valid_s1_k5", "direct" }, { "conv/conv2d.json", "same_s1_k3", "direct" },
        { "conv/conv2d.json", "same_s1_k1x7", "direct" },
        { "conv/conv2d.json", "valid_s1_k5", "small" }, { "conv/conv2d.json", "same_s1_k3", "small" },
        { "conv/conv2d.json", "same_s1_k1x7", "small" },
        { "conv/conv2d_direct.json", "mnist_l2", "small" }, { "conv/conv2d_direct.json", "mnist_l3", "small" },
        { "conv/conv2d_direct.json", "wide_c5_k2x4_co5_same", "small" }, { "conv/conv2d_direct.json", "rows_c2_k3_co8_same", "small" },
        { "conv/conv2d_direct.json", "rows_c1_k5_co6", "direct" }, { "conv/conv2d_direct.json", "rows_c2_k3_co8_same", "direct" },
        { "conv/conv2d_direct.json", "mnist_l1_small", "direct" }, { "conv/conv2d_direct.json", "mnist_l2", "direct" },
        { "conv/conv2d_direct.json", "mnist_l3", "direct" }, { "conv/conv2d_direct.json", "wide_c5_k2x4_co5_same", "direct" },
        { "conv/conv2d_direct.json", "rows_c2_k3_co8_same", "im2col" }, { "conv/conv2d_direct.json", "mnist_l2", "im2col" },
        { "conv/conv2d_direct.json", "wide_c5_k2x4_co5_same", "implicit-wide" },
        { "conv/conv2d_direct.json", "wide_c5_k2x4_co5_same", "implicit-banded" },
    };

    /// <summary>The direct small-channel path and the small-image path (and the others on their fixtures) against PyTorch.</summary>
    [Theory]
    [MemberData(nameof(DirectParityCases))]
    public void DirectPathMatchesPyTorch(string file, string name, string path) => WithPath(path, () => MatchesPyTorchCore(file, name));

    private static void MatchesPyTorchCore(string file, string name)
    {
        JsonElement c = Fixtures.Load(file).GetProperty(name);
        var x = Fixtures.ToTensor(c.GetProperty("x"), requiresGrad: true);
        var w = Fixtures.ToTensor(c.GetProperty("w"), requiresGrad: true);
        var b = Fixtures.ToTensor(c.GetProperty("b"), requiresGrad: true);
        int[] stride = Fixtures.Ints(c.GetProperty("stride"));
        var mode = c.GetProperty("padding").GetString() == "same" ? PaddingMode.Same : PaddingMode.Valid;
        Tensor y = Ops.Conv2d(x, w, b, stride[0], stride[1], mode);
        // float32 sums of up to Cin·kh·kw = 75 products against float64 references: 1e-5 relative + 2e-5 absolute.
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("y")), y, atol: 2e-5, what: name + " y");
        Autograd.Backward(y, Fixtures.Floats(c.GetProperty("gy")));
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("dx")), x.Grad!, atol: 2e-5, what: name + " dx");
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("dw")), w.Grad!, atol: 5e-5, what: name + " dw");
        TensorAssert.Close(Fixtures.ToTensor(c.GetProperty("db")), b.Grad!, atol: 5e-5, what: name + " db");
    }

    [Fact]
    public void StrideTwoSameChainGivesTensorFlowSizes()
    {
        var rng = new Rng(1);
        Tensor h = Tensor.Normal(new Shape(1, 2, 105, 105), 0, 1, rng);
        int[] expected = [53, 27, 14, 7, 4];
        foreach (int e in expected)
        {
            h = Ops.Conv2d(h, Tensor.Normal(new Shape(2, 2, 3, 3), 0, 0.3f, rng), null, 2, PaddingMode.Same);
            Assert.Equal(new Shape(1, 2, e, e), h.Shape);
        }

        Assert.Equal(53, Ops.SpatialOutputSize(105, 7, 2, PaddingMode.Same));
        Assert.Equal(99, Ops.SpatialOutputSize(105, 7, 1, PaddingMode.Valid));
        Assert.Equal(50, Ops.SpatialOutputSize(105, 7, 2, PaddingMode.Valid));
        Assert.Equal(new Shape(1, 2, 105, 99), Ops.Conv2d(Tensor.Zeros(1, 1, 105, 105), Tensor.Zeros(2, 1, 1, 7), null, 1, PaddingMode.Valid).Shape);
    }

    [Fact]
    public void BandedIm2ColMatchesWholeImage()
    {
        var rng = new Rng(5);
        var x = Rand(rng, 1f, 2, 3, 9, 7);
        var w = Rand(rng, 0.5f, 4, 3, 3, 3);
        var b = Rand(rng, 0.5f, 4);
        (float[] y, float[] g) Run(int budget)
        {
            using (KernelOverrides.Force(new KernelPathOverride { ColumnBudget = budget }))
            {
                Tensor y = Ops.Conv2d(x, w, b, 2, 1, PaddingMode.Same);
                float[] grads = new float[x.Length + w.Length + b.Length];
                Autograd.Grad(SumOfSquares(y), [x, w, b], grads);
                return (y.ToArray(), grads);
            }
        }

        var whole = Run(0);
        var banded = Run(27 * 7 * 2); // two output rows per band, the last band shorter
        TensorAssert.Close(whole.y, banded.y, 1e-5, 1e-5, "banded y");
        TensorAssert.Close(whole.g, banded.g, 1e-4, 1e-5, "banded grads");
        using (KernelOverrides.Force(new KernelPathOverride { ColumnBudget = 1 })) // one row per band
        {
            GradCheck.Check("Conv2d banded", t => Ops.Conv2d(t[0], t[1], t[2], 2, 1, PaddingMode.Same), [x, w, b]);
        }
    }

    /// <summary>
    /// On images large enough for several row blocks and with ragged channel and tap blocks, every path gives the
    /// values and gradients of im2col (the finite-difference checks above cover each path on small shapes).
    /// </summary>
    [Theory]
    [InlineData(17, 37, 35, 10, 5, 3, 1, PaddingMode.Same)]
    [InlineData(16, 34, 30, 7, 3, 5, 1, PaddingMode.Valid)]
    [InlineData(16, 30, 29, 8, 7, 7, 1, PaddingMode.Same)]
    [InlineData(16, 70, 20, 6, 5, 3, 1, PaddingMode.Same)] // banded: two bands of rows (forward and dx), ragged last
    [InlineData(17, 60, 22, 5, 4, 6, 1, PaddingMode.Valid)] // banded: even kernel, dx in two bands
    [InlineData(16, 45, 43, 9, 7, 7, 2, PaddingMode.Same)] // phased layout: 4×4, 4×3, 3×4, 3×3 sub-kernels
    [InlineData(17, 38, 41, 6, 5, 4, 2, PaddingMode.Same)]
    [InlineData(16, 40, 37, 7, 4, 7, 2, PaddingMode.Valid)]
    [InlineData(16, 31, 34, 5, 3, 5, 3, PaddingMode.Same)]
    public void ImplicitLayoutsMatchIm2ColOnLargerImages(int cin, int h, int w, int cout, int kh, int kw, int stride, PaddingMode padding)
    {
        var rng = new Rng(13);
        var x = Rand(rng, 1f, 2, cin, h, w);
        var wt = Rand(rng, 0.2f, cout, cin, kh, kw);
        var b = Rand(rng, 0.2f, cout);
        (float[] y, float[] g) Run(string path)
        {
            (float[], float[]) result = default;
            WithPath(path, () =>
            {
                Tensor y = Ops.Conv2d(x, wt, b, stride, padding);
                float[] grads = new float[x.Length + wt.Length + b.Length];
                Autograd.Grad(SumOfSquares(y), [x, wt, b], grads);
                result = (y.ToArray(), grads);
            });
            return result;
        }

        var reference = Run("im2col");
        foreach (string path in stride == 1 ? new[] { "implicit-wide", "implicit-banded", "implicit-banded-views" } : ["implicit-wide"])
        {
            var r = Run(path);
            TensorAssert.Close(reference.y, r.y, 1e-5, 1e-4, $"{path} y");
            TensorAssert.Close(reference.g, r.g, 1e-4, 1e-3, $"{path} grads");
        }
    }

    [Fact]
    public void ParallelImagesAreDeterministic()
    {
        var rng = new Rng(9);
        var x = Rand(rng, 1f, 6, 4, 16, 16);
        var w = Rand(rng, 0.3f, 8, 4, 3, 3);
        var b = Rand(rng, 0.3f, 8);
        float[] Run()
        {
            Tensor y = Ops.Conv2d(x, w, b, 1, PaddingMode.Same);
            float[] grads = new float[x.Length + w.Length + b.Length];
            Autograd.Grad(SumOfSquares(y), [x, w, b], grads);
            return [.. y.ToArray(), .. grads];
        }

        Assert.Equal(Run(), Run());
        WithPath("implicit-wide", () => Assert.Equal(Run(), Run()));
        WithPath("direct", () => Assert.Equal(Run(), Run()));

        // Same values as one image at a time.
        Tensor batched = Ops.Conv2d(x.Detach(), w.Detach(), b.Detach(), 1, PaddingMode.Same);
        for (int n = 0; n < 6; n++)
        {
            var xi = Tensor.FromArray(x.Span.Slice(n * 1024, 1024), 1, 4, 16, 16);
            Tensor yi = Ops.Conv2d(xi, w.Detach(), b.Detach(), 1, PaddingMode.Same);
            TensorAssert.Close(yi.Span, batched.Span.Slice(n * 2048, 2048), 1e-6, 1e-6, $"image {n}");
        }
    }

    [Fact]
    public void ChannelMismatchNamesOpAndBothShapes()
    {
        var ex = Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(Tensor.Zeros(2, 3, 8, 8), Tensor.Zeros(4, 2, 3, 3), null));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("[2, 3, 8, 8]", ex.Message);
        Assert.Contains("[4, 2, 3, 3]", ex.Message);

        ex = Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(Tensor.Zeros(2, 3, 8, 8), Tensor.Zeros(4, 3, 3, 3), Tensor.Zeros(5)));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("[5]", ex.Message);

        ex = Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 5, 5), null));
        Assert.Contains("does not fit", ex.Message);

        ex = Assert.Throws<ShapeMismatchException>(() => Ops.Conv2d(Tensor.Zeros(3, 8, 8), Tensor.Zeros(4, 3, 3, 3), null));
        Assert.Contains("[3, 8, 8]", ex.Message);

        var arg = Assert.Throws<ArgumentException>(() => Ops.Conv2d(Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 3, 3), null, 0, 1, PaddingMode.Same));
        Assert.Contains("Conv2d", arg.Message);
    }

    /// <summary>Σ y² as a recorded scalar (via Conv2d itself: a 1-output-channel 1×1 conv would not do), built from a local node.</summary>
    private static Tensor SumOfSquares(Tensor y) => SquareSumNode.Apply(y);

    private sealed class SquareSumNode : Node
    {
        private SquareSumNode(Tensor x)
            : base(x)
        {
        }

        public static Tensor Apply(Tensor x)
        {
            double s = 0;
            foreach (float v in x.Span)
            {
                s += v * (double)v;
            }

            return Tensor.Scalar((float)s).WithGradFn(new SquareSumNode(x));
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> g)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            ReadOnlySpan<float> xs = Inputs[0].Span;
            for (int i = 0; i < gx.Length; i++)
            {
                gx[i] += 2 * g[0] * xs[i];
            }
        }
    }
}
