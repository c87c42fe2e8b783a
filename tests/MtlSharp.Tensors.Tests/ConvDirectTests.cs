using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Tensors.Kernels;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// The direct small-channel convolution path at the 4-MNISTs shapes: same results for 1 and 2 threads (bit for bit)
/// and close to the im2col path; dx skipped when the input needs no gradient. One input channel (and 4k + 1) takes
/// the single-channel dx kernel, which must give the 4-channel kernel's bits.
/// </summary>
[Collection("Threading")]
public sealed class ConvDirectTests
{
    [Theory]
    [InlineData(1, 28, 16, 5, true)]
    [InlineData(1, 28, 16, 5, false)]
    [InlineData(5, 13, 6, 3, false)]
    [InlineData(4, 12, 16, 3, false)]
    [InlineData(4, 5, 16, 3, false)]
    [InlineData(3, 9, 6, 3, false)]
    public void ThreadCountDoesNotChangeResultsAndMatchesIm2Col(int cin, int size, int cout, int k, bool xNoGrad)
    {
        var rng = new Rng(11);
        var x = Tensor.Normal(new Shape(16, cin, size, size), 0, 1, rng);
        var w = Tensor.Normal(new Shape(cout, cin, k, k), 0, 0.3f, rng);
        var b = Tensor.Normal(new Shape(cout), 0, 0.3f, rng);
        x.RequiresGrad = !xNoGrad;
        w.RequiresGrad = b.RequiresGrad = true;
        int ho = size - k + 1;
        var gy = Tensor.Normal(new Shape(16, cout, ho, ho), 0, 1, rng);
        float[] Run(int threads, bool direct)
        {
            int saved = Threading.ThreadCount;
            Threading.ThreadCount = threads;
            using var paths = ConvPaths.Force(direct ? "direct" : "im2col");
            try
            {
                x.Grad?.Span.Clear();
                w.Grad?.Span.Clear();
                b.Grad?.Span.Clear();
                Tensor y = Ops.Conv2d(x, w, b);
                Autograd.Backward(y, gy.Span);
                return [.. y.ToArray(), .. w.Grad!.ToArray(), .. b.Grad!.ToArray(), .. (xNoGrad ? [] : x.Grad!.ToArray())];
            }
            finally
            {
                Threading.ThreadCount = saved;
            }
        }

        float[] one = Run(1, true);
        Assert.Equal(one, Run(2, true));
        Assert.Equal(one, Run(1, true));
        TensorAssert.Close(Run(1, false), one, 1e-4, 1e-4, "direct vs im2col");
        if (xNoGrad)
        {
            Assert.Null(x.Grad);
        }
    }

    [Fact]
    public unsafe void SingleChannelInputGradientKernelGivesTheFourChannelKernelsBits()
    {
        // dy planes [cout][ld] behind a zero border of f floats, a 4-channel weight table [cout][taps][4], tap offsets
        // of a 5×5 kernel on a 20-wide plane: the 12-vector single-channel block against four 3-vector blocks.
        const int cout = 6, taps = 25, wp = 20, f = (4 * wp) + 4, vectors = ConvDirectKernels.SingleVectors, ldx = 8 * vectors, ld = f + ldx;
        var rng = new Rng(3);
        float[] dy = new float[cout * ld], wd = new float[cout * taps * 4];
        rng.FillUniform(dy, -1f, 1f);
        rng.FillUniform(wd, -1f, 1f);
        int[] tapOff = new int[taps];
        for (int ky = 0; ky < 5; ky++)
        {
            for (int kx = 0; kx < 5; kx++)
            {
                tapOff[(ky * 5) + kx] = (ky * wp) + kx;
            }
        }

        float[] single = new float[ldx], four = new float[4 * ldx];
        fixed (float* pdy = dy, pw = wd, ps = single, pf = four)
        fixed (int* pt = tapOff)
        {
            ConvDirectKernels.InputGradSingle(pdy, cout, ld, f, pt, taps, pw, 0, ps);
            for (int v = 0; v < vectors; v += 3)
            {
                ConvDirectKernels.InputGrad(pdy, cout, ld, f, pt, taps, pw, 8 * v, pf, ldx);
            }
        }

        Assert.Equal(four[..ldx], single);
        Assert.Contains(single, v => v != 0f);
    }
}
