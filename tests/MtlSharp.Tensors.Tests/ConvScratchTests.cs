using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// Every convolution path gives the same bits in a training step whose arena hands it buffers left over from earlier
/// steps, poisoned with NaN (<see cref="TensorArena.FillFreeBuffers"/>), as with fresh zeroed buffers: no kernel reads
/// scratch it did not write (padding borders, ragged blocks, partial sums), which zeroed buffers would hide.
/// </summary>
[Collection("Threading")]
public sealed class ConvScratchTests
{
    public static TheoryData<string, int, int, int, int, int, int, int, PaddingMode> Cases => new()
    {
        // path, n, cin, size, cout, kh, kw, stride, padding
        { "small", 3, 20, 9, 24, 5, 5, 1, PaddingMode.Same }, // ragged channel blocks, padded x and dy
        { "small", 16, 16, 12, 16, 3, 3, 1, PaddingMode.Valid }, // 4-MNISTs layer 2
        { "small", 4, 32, 27, 24, 3, 3, 1, PaddingMode.Same }, // rows of 27: a ragged end per row in the dy transpose
        { "small", 2, 16, 9, 16, 7, 7, 1, PaddingMode.Same },
        { "small", 3, 16, 10, 16, 1, 7, 1, PaddingMode.Same },
        { "small", 2, 16, 21, 16, 7, 7, 2, PaddingMode.Same }, // strided: phases, dy padded by the largest sub-kernel
        { "small", 2, 20, 15, 24, 1, 7, 2, PaddingMode.Same }, // a row phase without taps; ragged channel blocks
        { "small", 2, 16, 14, 16, 5, 5, 2, PaddingMode.Valid }, // the last input row and column never read
        { "direct", 4, 1, 28, 16, 5, 5, 1, PaddingMode.Valid }, // 4-MNISTs layer 1
        { "direct", 3, 5, 13, 6, 3, 3, 1, PaddingMode.Same },
        { "implicit-wide", 2, 17, 37, 10, 5, 3, 1, PaddingMode.Same },
        { "implicit-banded", 2, 16, 70, 6, 5, 3, 1, PaddingMode.Same },
        { "implicit-wide", 2, 16, 45, 9, 7, 7, 2, PaddingMode.Same }, // polyphase layout
        { "im2col", 2, 3, 9, 4, 3, 3, 2, PaddingMode.Same },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PoisonedArenaBuffersGiveTheSameBits(string path, int n, int cin, int size, int cout, int kh, int kw, int stride, PaddingMode padding)
    {
        var rng = new Rng(61);
        var x = Rand(rng, 1f, n, cin, size, size);
        var w = Rand(rng, 0.3f, cout, cin, kh, kw);
        var b = Rand(rng, 0.3f, cout);
        float[] Step()
        {
            Tensor y = Ops.Conv2d(x, w, b, stride, padding);
            Tensor yr = Ops.Conv2dRelu(x, w, b, stride, padding);
            var gy = Tensor.Normal(y.Shape, 0, 1, new Rng(5));
            float[] grads = new float[x.Length + w.Length + b.Length];
            Autograd.Grad(Ops.Add(Ops.Sum(Ops.Mul(y, gy)), Ops.Sum(Ops.Mul(yr, yr))), [x, w, b], grads);
            return [.. y.ToArray(), .. yr.ToArray(), .. grads];
        }

        foreach (int threads in new[] { 1, 2 })
        {
            int saved = Threading.ThreadCount;
            Threading.ThreadCount = threads;
            try
            {
                using (ConvPaths.Force(path))
                {
                    float[] fresh = Step();
                    Assert.DoesNotContain(fresh, float.IsNaN);
                    var arena = new TensorArena();
                    using (arena.Enter())
                    {
                        Step();
                    }

                    arena.FillFreeBuffers(float.NaN);
                    float[] reused;
                    using (arena.Enter())
                    {
                        reused = Step();
                    }

                    Assert.True(arena.BuffersAllocated > 0);
                    Assert.Equal(fresh, reused);
                }
            }
            finally
            {
                Threading.ThreadCount = saved;
            }
        }
    }

    private static Tensor Rand(Rng rng, float scale, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, scale, rng);
        t.RequiresGrad = true;
        return t;
    }
}
