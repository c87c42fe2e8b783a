using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Benchmarks.Cases;

/// <summary>
/// Conv2d forward + backward (dx, dW, db; x, weight and bias all require grad) at the 4-MNISTs and Omniglot layer
/// shapes (batch 16). Keys match benchmarks/torch/bench_conv.py. <see cref="BenchFilter"/> (BENCH_FILTER) selects a
/// subset of the shapes.
/// </summary>
internal sealed class ConvCase : IBenchCase
{
    public string Name => "conv";

    /// <summary>The configurations: key, input [N, Cin, H, W], Cout, kernel, stride, padding.</summary>
    internal static IEnumerable<(string Key, int N, int Cin, int H, int Cout, int Kh, int Kw, int Stride, PaddingMode Padding)> Configs()
    {
        yield return ("conv/mnist_l1_16x1x28x28_k5", 16, 1, 28, 16, 5, 5, 1, PaddingMode.Valid);
        yield return ("conv/mnist_l2_16x16x12x12_k3", 16, 16, 12, 16, 3, 3, 1, PaddingMode.Valid);
        yield return ("conv/mnist_l3_16x16x5x5_k3", 16, 16, 5, 16, 3, 3, 1, PaddingMode.Valid);
        (string Name, int Kh, int Kw)[] kernels = [("k3", 3, 3), ("k5", 5, 5), ("k7", 7, 7), ("k1x7", 1, 7), ("k7x1", 7, 1)];
        (int Size, int Stride)[] sizes = [(105, 1), (105, 2), (53, 1), (27, 1)];
        foreach (var (size, stride) in sizes)
        {
            foreach (var (name, kh, kw) in kernels)
            {
                yield return ($"conv/omni_48x{size}_{name}_s{stride}", 16, 48, size, 48, kh, kw, stride, PaddingMode.Same);
            }
        }
    }

    public IEnumerable<BenchResult> Run(BenchOptions options)
    {
        foreach (var c in Configs().Where(c => BenchFilter.Matches(c.Key)))
        {
            var rng = new Rng(42);
            var x = Tensor.Normal(new Shape(c.N, c.Cin, c.H, c.H), 0, 1, rng);
            var w = Tensor.Normal(new Shape(c.Cout, c.Cin, c.Kh, c.Kw), 0, 0.05f, rng);
            var b = Tensor.Normal(new Shape(c.Cout), 0, 0.05f, rng);
            x.RequiresGrad = w.RequiresGrad = b.RequiresGrad = true;
            int ho = Ops.SpatialOutputSize(c.H, c.Kh, c.Stride, c.Padding), wo = Ops.SpatialOutputSize(c.H, c.Kw, c.Stride, c.Padding);
            var gy = Tensor.Normal(new Shape(c.N, c.Cout, ho, wo), 0, 1, rng);
            var arena = new TensorArena();
            void Step()
            {
                using (arena.Enter())
                {
                    Tensor y = Ops.Conv2d(x, w, b, c.Stride, c.Padding);
                    Autograd.Backward(y, gy.Span);
                }
            }

            var (seconds, best, alloc) = Measure.TimeWithBest(Step, options);
            double flops = 3.0 * 2.0 * c.N * c.Cout * c.Cin * c.Kh * c.Kw * ho * wo; // forward, dx, dW
            yield return new BenchResult(Name, c.Key, Threading.ThreadCount, seconds, flops / seconds / 1e9, alloc) { BestSecondsPerIteration = best };
        }
    }
}
