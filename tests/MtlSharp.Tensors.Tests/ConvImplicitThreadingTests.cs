using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.Tensors.Tests;

/// <summary>
/// The implicit-GEMM convolution (wide and phased layouts; banded) at 1 and 2 threads: bit-identical run to run
/// for a fixed thread count, close to im2col, and finite-difference gradients with the work split over threads.
/// </summary>
[Collection("Threading")]
public sealed class ConvImplicitThreadingTests
{
    public static TheoryData<string, int, int, int, int> Cases => new()
    {
        // path, size, kh, kw, stride
        { "implicit-wide", 15, 3, 3, 1 },
        { "implicit-banded", 15, 3, 3, 1 },
        { "implicit-banded", 13, 1, 7, 1 },
        { "implicit-banded-views", 14, 5, 5, 1 },
        { "implicit-wide", 19, 7, 7, 2 },
        { "implicit-wide", 26, 5, 4, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DeterministicPerThreadCountAndMatchesIm2Col(string path, int size, int kh, int kw, int stride)
    {
        var rng = new Rng(17);
        var x = Rand(rng, 1f, 5, 16, size, size);
        var w = Rand(rng, 0.2f, 12, 16, kh, kw);
        var b = Rand(rng, 0.2f, 12);
        float[] Run(int threads, string p) => WithThreadsAndPath<float[]>(threads, p, () =>
        {
            Tensor y = Ops.Conv2d(x, w, b, stride, PaddingMode.Same);
            float[] grads = new float[x.Length + w.Length + b.Length];
            Autograd.Grad(Ops.Sum(Ops.Mul(y, y)), [x, w, b], grads);
            return [.. y.ToArray(), .. grads];
        });

        float[] reference = Run(1, "im2col");
        foreach (int threads in new[] { 1, 2 })
        {
            float[] first = Run(threads, path);
            Assert.Equal(first, Run(threads, path));
            TensorAssert.Close(reference, first, 1e-4, 1e-3, $"{path} threads={threads} vs im2col");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferencesOnTwoThreads(string path, int size, int kh, int kw, int stride)
    {
        var rng = new Rng(23);
        // 8 images of ≥ 97k flops each: two chunks of images on two threads.
        var x = Rand(rng, 1f, 8, 4, size, size);
        var w = Rand(rng, 0.5f, 6, 4, kh, kw);
        var b = Rand(rng, 0.5f, 6);
        WithThreadsAndPath(2, path, () =>
        {
            GradCheck.Check($"Conv2d {kh}x{kw} s{stride} {path} 2 threads", t => Ops.Conv2d(t[0], t[1], t[2], stride, PaddingMode.Same), [x, w, b]);
            return 0;
        });
    }

    private static Tensor Rand(Rng rng, float scale, params int[] dims)
    {
        var t = Tensor.Normal(new Shape(dims), 0f, scale, rng);
        t.RequiresGrad = true;
        return t;
    }

    private static T WithThreadsAndPath<T>(int threads, string path, Func<T> body)
    {
        int saved = Threading.ThreadCount;
        Threading.ThreadCount = threads;
        try
        {
            using (ConvPaths.Force(path))
            {
                return body();
            }
        }
        finally
        {
            Threading.ThreadCount = saved;
        }
    }
}
