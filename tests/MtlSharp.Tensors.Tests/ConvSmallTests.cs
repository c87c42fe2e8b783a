using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// The small-image convolution with channels in the vector lanes (<see cref="ConvSmall"/>): the default path of the
/// 4-MNISTs 16-channel layers and of strided forward passes over 16 or more channels; forward against a naive float64 reference, gradients against the im2col path and
/// finite differences, bit-identical results run to run, for 1 and 2 threads and for every kernel form (512-bit,
/// 256-bit in one pass and in the half passes of hosts without AVX-512).
/// </summary>
[Collection("Threading")]
public sealed class ConvSmallTests
{
    public static TheoryData<int, int, int, int, int, int, PaddingMode> Cases => new()
    {
        // n, cin, size, cout, kh, kw, padding
        { 16, 16, 12, 16, 3, 3, PaddingMode.Valid }, // 4-MNISTs layer 2: 1600 output pixels, 200 whole blocks
        { 16, 16, 5, 16, 3, 3, PaddingMode.Valid }, // 4-MNISTs layer 3: 3×3 outputs, blocks straddle images
        { 3, 20, 9, 24, 5, 5, PaddingMode.Same }, // two channel blocks, both ragged (20 = 16 + 4, 24 = 16 + 8)
        { 2, 16, 7, 5, 2, 4, PaddingMode.Same }, // even kernel, 5 output channels, ragged weight-row block
        { 5, 17, 6, 16, 3, 1, PaddingMode.Valid }, // 3×1: dx groups by kernel row only, ragged pixel block at the end
        { 2, 16, 9, 16, 7, 7, PaddingMode.Same }, // dx: 7 × 7 pixel groups (runs of rows and columns with equal kernel ranges)
        { 3, 32, 14, 16, 1, 5, PaddingMode.Same }, // 1×5, two input-channel blocks
        { 4, 32, 40, 24, 3, 3, PaddingMode.Same }, // big enough that padding and transposes split over threads; ragged dy block
        { 4, 16, 48, 16, 5, 5, PaddingMode.Same }, // the same with whole blocks (dy's border cleared, not all of it)
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesNaiveReference(int n, int cin, int size, int cout, int kh, int kw, PaddingMode padding)
    {
        var rng = new Rng(31);
        var x = Tensor.Normal(new Shape(n, cin, size, size), 0, 1, rng);
        var w = Tensor.Normal(new Shape(cout, cin, kh, kw), 0, 0.3f, rng);
        var b = Tensor.Normal(new Shape(cout), 0, 0.3f, rng);
        var g = new ConvGeometry(n, cin, size, size, cout, kh, kw, 1, 1, padding);
        Assert.True(ConvSmall.Applies(g));
        using (ConvPaths.Force("small"))
        {
            Tensor y = Ops.Conv2d(x, w, b, 1, padding);
            Assert.Equal(new Shape(n, cout, g.Ho, g.Wo), y.Shape);
            TensorAssert.Close(Naive(x, w, b, g, relu: false), y.Span, 1e-5, 1e-5, "y");
            Tensor yr = Ops.Conv2dRelu(x, w, b, 1, padding);
            TensorAssert.Close(Naive(x, w, b, g, relu: true), yr.Span, 1e-5, 1e-5, "relu(y)");
            Assert.Contains(yr.ToArray(), v => v == 0f);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesIm2ColAndIsBitIdenticalForThreadCountsAndVectorWidths(int n, int cin, int size, int cout, int kh, int kw, PaddingMode padding)
    {
        var rng = new Rng(37);
        var x = Rand(rng, 1f, n, cin, size, size);
        var w = Rand(rng, 0.3f, cout, cin, kh, kw);
        var b = Rand(rng, 0.3f, cout);
        float[] Run(int threads, string path, bool? wide = null, bool? halves = null, int chunkImages = 0) =>
            OutputAndGradients(x, w, b, 1, 1, padding, threads, path, wide, halves, chunkImages);

        float[] one = Run(1, "small");
        Assert.Equal(one, Run(1, "small"));
        Assert.Equal(one, Run(2, "small"));
        Assert.Equal(one, Run(1, "small", wide: false, halves: false)); // 256-bit kernels: the same sums in the same order
        Assert.Equal(one, Run(2, "small", wide: false, halves: true)); // 256-bit in half passes (hosts without AVX-512)
        Assert.Equal(one, Run(1, "small", wide: false, halves: true, chunkImages: 1)); // half-pass dW resumed image by image
        Assert.Equal(one, Run(2, "small", wide: false, halves: true, chunkImages: 2)); // ... and two images at a time
        Assert.Equal(one, Run(2, "small", wide: true)); // 512-bit (emulated where the host does not accelerate them)
        // dW sums n·H·W products in float32 in another order than im2col's GEMM: the rounding difference grows with
        // the count (the two largest cases sum 6,400 and 9,216 terms).
        double tol = 1e-4 * Math.Max(1, n * size * size / 2048.0);
        TensorAssert.Close(Run(1, "im2col"), one, tol, tol, "small vs im2col");
    }

    /// <summary>
    /// y and the gradients of Σ y·gy (gy ~ N(0, 1), seed 5) for x, w and b, through the forced path at the given
    /// thread count and kernel switches; with <paramref name="g"/>, also checks that the path is the one taken and
    /// the output's shape.
    /// </summary>
    private static float[] OutputAndGradients(
        Tensor x, Tensor w, Tensor b, int sh, int sw, PaddingMode padding, int threads, string path,
        bool? wide, bool? halves, int chunkImages, ConvGeometry? g = null)
    {
        int saved = Threading.ThreadCount;
        Threading.ThreadCount = threads;
        try
        {
            using (KernelOverrides.Force(ConvPaths.Override(path) with { Wide = wide, Halves = halves, WeightChunkImages = chunkImages }))
            {
                if (g is { } geometry)
                {
                    Assert.Equal(path == "small", ConvSmall.Use(geometry));
                }

                Tensor y = Ops.Conv2d(x, w, b, sh, sw, padding);
                if (g is { } shape)
                {
                    Assert.Equal(new Shape(shape.N, shape.Cout, shape.Ho, shape.Wo), y.Shape);
                }

                var gy = Tensor.Normal(y.Shape, 0, 1, new Rng(5));
                float[] grads = new float[x.Length + w.Length + b.Length];
                Autograd.Grad(Ops.Sum(Ops.Mul(y, gy)), [x, w, b], grads);
                return [.. y.ToArray(), .. grads];
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    /// <summary>Strided kernels (by phases: see <see cref="ConvSmall"/>).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, PaddingMode> StridedCases => new()
    {
        // n, cin, size, cout, kh, kw, sh, sw, padding
        { 2, 16, 11, 16, 3, 3, 2, 2, PaddingMode.Same }, // odd size: one pad row and column more at the end
        { 3, 20, 14, 24, 5, 5, 2, 2, PaddingMode.Valid }, // (14 − 5) odd: the last input row and column are never read
        { 2, 16, 15, 16, 1, 7, 2, 2, PaddingMode.Same }, // 1×7 stride 2: one row phase receives no tap (dx zero there)
        { 2, 17, 12, 16, 7, 1, 3, 2, PaddingMode.Same }, // different strides per axis, ragged input channels
        { 1, 16, 9, 5, 4, 2, 2, 3, PaddingMode.Valid }, // even kernel, 5 output channels: ragged channel blocks
        { 2, 16, 10, 16, 2, 2, 2, 2, PaddingMode.Valid }, // kernel = stride: every phase a 1×1 sub-kernel
        { 4, 16, 21, 16, 7, 7, 2, 2, PaddingMode.Same }, // the Omniglot form: output blocks straddle images
    };

    [Theory]
    [MemberData(nameof(StridedCases))]
    public void StridedMatchesNaiveAndIm2ColAndIsBitIdenticalForThreadCountsAndVectorWidths(
        int n, int cin, int size, int cout, int kh, int kw, int sh, int sw, PaddingMode padding)
    {
        var rng = new Rng(47);
        var x = Rand(rng, 1f, n, cin, size, size);
        var w = Rand(rng, 0.3f, cout, cin, kh, kw);
        var b = Rand(rng, 0.3f, cout);
        var g = new ConvGeometry(n, cin, size, size, cout, kh, kw, sh, sw, padding);
        Assert.True(ConvSmall.Use(g)); // the default for 16 or more input channels
        float[] Run(int threads, string path, bool? wide = null, bool? halves = null, int chunkImages = 0) =>
            OutputAndGradients(x, w, b, sh, sw, padding, threads, path, wide, halves, chunkImages, g);

        float[] one = Run(1, "small");
        int outputs = n * cout * g.P;
        TensorAssert.Close(Naive(x, w, b, g, relu: false), one.AsSpan(0, outputs), 1e-5, 1e-5, "y");
        Assert.Equal(one, Run(2, "small"));
        Assert.Equal(one, Run(1, "small", wide: false, halves: false));
        Assert.Equal(one, Run(2, "small", wide: false, halves: true));
        Assert.Equal(one, Run(1, "small", wide: false, halves: true, chunkImages: 1));
        Assert.Equal(one, Run(2, "small", wide: true));
        TensorAssert.Close(Run(1, "im2col"), one, 1e-4, 1e-4, "small vs im2col"); // float32 sums in other orders

        if (sh == sw)
        {
            using (ConvPaths.Force("small"))
            {
                float[] relu = Ops.Conv2dRelu(x, w, b, sh, padding).ToArray();
                TensorAssert.Close(Naive(x, w, b, g, relu: true), relu, 1e-5, 1e-5, "relu(y)");
                Assert.Contains(relu, v => v == 0f);
            }
        }
    }

    /// <summary>A strided layer on the default path (this one) against finite differences.</summary>
    [Theory]
    [InlineData(1, 3, 3, PaddingMode.Same)]
    [InlineData(2, 5, 5, PaddingMode.Valid)]
    [InlineData(1, 1, 3, PaddingMode.Same)]
    public void StridedGradientsMatchFiniteDifferences(int threads, int kh, int kw, PaddingMode padding)
    {
        var rng = new Rng(53);
        var x = Rand(rng, 1f, 2, 16, 9, 9);
        var w = Rand(rng, 0.3f, 17, 16, kh, kw);
        var b = Rand(rng, 0.3f, 17);
        Assert.True(ConvSmall.Use(new ConvGeometry(2, 16, 9, 9, 17, kh, kw, 2, 2, padding)));
        int saved = Threading.ThreadCount;
        Threading.ThreadCount = threads;
        try
        {
            GradCheck.Check($"Conv2d strided {kh}x{kw} {padding} {threads} threads", t => Ops.Conv2d(t[0], t[1], t[2], 2, padding), [x, w, b]);
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    [Theory]
    [InlineData(2, PaddingMode.Valid)]
    [InlineData(1, PaddingMode.Same)]
    public void GradientsMatchFiniteDifferences(int threads, PaddingMode padding)
    {
        var rng = new Rng(41);
        var x = Rand(rng, 1f, 3, 16, 6, 6);
        var w = Rand(rng, 0.3f, 18, 16, 3, 3);
        var b = Rand(rng, 0.3f, 18);
        int saved = Threading.ThreadCount;
        Threading.ThreadCount = threads;
        try
        {
            using (ConvPaths.Force("small"))
            {
                GradCheck.Check($"Conv2d small {padding} {threads} threads", t => Ops.Conv2d(t[0], t[1], t[2], 1, padding), [x, w, b]);
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }

    /// <summary>Only the gradients asked for are written (dx alone, dW alone, both), added to what is there.</summary>
    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void GradientsAccumulateAndSkipInputsWithoutGrad(bool xGrad, bool wGrad)
    {
        var rng = new Rng(43);
        float[] xv = Tensor.Normal(new Shape(4, 16, 5, 5), 0, 1, rng).ToArray();
        float[] wv = Tensor.Normal(new Shape(16, 16, 3, 3), 0, 0.3f, rng).ToArray();
        var gy = Tensor.Normal(new Shape(4, 16, 3, 3), 0, 1, rng);
        (Tensor X, Tensor W) Run(string path)
        {
            var x = Tensor.FromArray(xv, 4, 16, 5, 5);
            var w = Tensor.FromArray(wv, 16, 16, 3, 3);
            x.RequiresGrad = xGrad;
            w.RequiresGrad = wGrad;
            using (ConvPaths.Force(path))
            {
                Autograd.Backward(Ops.Conv2d(x, w, null), gy.Span);
                Autograd.Backward(Ops.Conv2d(x, w, null), gy.Span); // accumulates: twice the gradient
            }

            return (x, w);
        }

        var reference = Run("im2col");
        var small = Run("small");
        Assert.Equal(xGrad, small.X.Grad is not null);
        Assert.Equal(wGrad, small.W.Grad is not null);
        if (xGrad)
        {
            TensorAssert.Close(reference.X.Grad!, small.X.Grad!, 1e-4, 1e-4, "dx");
        }

        if (wGrad)
        {
            TensorAssert.Close(reference.W.Grad!, small.W.Grad!, 1e-4, 1e-4, "dW");
        }
    }

    [Fact]
    public void ChosenByDefaultForStrideOneWithManyChannels()
    {
        bool Small(int cin, int size, int k, int stride, PaddingMode padding) =>
            ConvSmall.Use(new ConvGeometry(16, cin, size, size, cin, k, k, stride, stride, padding));
        Assert.True(Small(16, 12, 3, 1, PaddingMode.Valid));
        Assert.True(Small(16, 5, 3, 1, PaddingMode.Valid));
        Assert.False(Small(1, 28, 5, 1, PaddingMode.Valid)); // few channels: the direct path
        Assert.True(Small(48, 27, 3, 1, PaddingMode.Same)); // Omniglot stride-1 layers
        Assert.True(Small(48, 105, 7, 1, PaddingMode.Same));
        Assert.False(Small(8, 32, 3, 1, PaddingMode.Same)); // fewer than 16 channels: im2col or direct
        Assert.True(Small(16, 12, 3, 2, PaddingMode.Same)); // strided: by phases
        Assert.True(Small(48, 105, 7, 2, PaddingMode.Same));
        Assert.True(ConvSmall.Use(new ConvGeometry(16, 48, 105, 105, 48, 1, 7, 2, 2, PaddingMode.Same)));
        Assert.False(Small(8, 32, 3, 2, PaddingMode.Same)); // few channels
        Assert.False(Small(48, 27, 1, 2, PaddingMode.Same)); // one tap
        Assert.False(Small(16, 60, 3, 17, PaddingMode.Valid)); // strides beyond 16: im2col
        Assert.False(Small(48, 27, 1, 1, PaddingMode.Same)); // 1×1: one GEMM
        using (ConvPaths.Force("implicit-wide"))
        {
            Assert.False(Small(16, 12, 3, 1, PaddingMode.Valid));
            Assert.False(Small(16, 12, 3, 2, PaddingMode.Same));
        }
    }

    /// <summary>
    /// SHA-256 of the output and the x, w, b gradients of two small-image convolutions (forward, dx, dW; 1 and 2
    /// threads) at the given kernel width (null: this process's default) — compared across processes by
    /// <see cref="GemmWidthTests.NarrowPathInChildProcessGivesTheSameBits"/>, whose child has no AVX-512 and so runs
    /// the 256-bit kernels in half passes.
    /// </summary>
    internal static string Digest(bool? wide)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (n, cin, size, cout, k, stride, padding) in new[] { (3, 20, 9, 24, 5, 1, PaddingMode.Same), (4, 16, 12, 16, 3, 1, PaddingMode.Valid), (2, 16, 11, 16, 3, 2, PaddingMode.Same) })
        {
            var rng = new Rng(43);
            var x = Rand(rng, 1f, n, cin, size, size);
            var w = Rand(rng, 0.3f, cout, cin, k, k);
            var b = Rand(rng, 0.3f, cout);
            foreach (int threads in new[] { 1, 2 })
            {
                int saved = Threading.ThreadCount;
                Threading.ThreadCount = threads;
                try
                {
                    using (KernelOverrides.Force(ConvPaths.Override("small") with { Wide = wide }))
                    {
                        Tensor y = Ops.Conv2d(x, w, b, stride, padding);
                        var gy = Tensor.Normal(y.Shape, 0, 1, new Rng(5));
                        float[] grads = new float[x.Length + w.Length + b.Length];
                        Autograd.Grad(Ops.Sum(Ops.Mul(y, gy)), [x, w, b], grads);
                        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.Span));
                        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(grads.AsSpan()));
                    }
                }
                finally
                {
                    Threading.ThreadCount = saved;
                }
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static Tensor Rand(Rng rng, float scale, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, scale, rng);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>y = conv(x, w) + b (then max(y, 0)) in float64, straight from the definition.</summary>
    private static float[] Naive(Tensor x, Tensor w, Tensor b, in ConvGeometry g, bool relu)
    {
        var y = new float[g.N * g.Cout * g.P];
        ReadOnlySpan<float> xs = x.Span, ws = w.Span, bs = b.Span;
        for (int n = 0; n < g.N; n++)
        {
            for (int co = 0; co < g.Cout; co++)
            {
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    for (int ow = 0; ow < g.Wo; ow++)
                    {
                        double s = bs[co];
                        for (int ci = 0; ci < g.Cin; ci++)
                        {
                            for (int ky = 0; ky < g.Kh; ky++)
                            {
                                for (int kx = 0; kx < g.Kw; kx++)
                                {
                                    int ih = (oh * g.Sh) + ky - g.PadTop, iw = (ow * g.Sw) + kx - g.PadLeft;
                                    if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
                                    {
                                        s += (double)ws[(((((co * g.Cin) + ci) * g.Kh) + ky) * g.Kw) + kx] * xs[(((((n * g.Cin) + ci) * g.H) + ih) * g.W) + iw];
                                    }
                                }
                            }
                        }

                        y[(((((n * g.Cout) + co) * g.Ho) + oh) * g.Wo) + ow] = relu ? (float)Math.Max(s, 0) : (float)s;
                    }
                }
            }
        }

        return y;
    }
}
