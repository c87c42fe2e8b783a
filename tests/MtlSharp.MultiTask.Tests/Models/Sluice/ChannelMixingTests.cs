using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Sluice;

/// <summary>The channel-wise cross-stitch unit, <see cref="SubspaceMixing.MixChannels"/>: one α [T, T] per channel.</summary>
public sealed class ChannelMixingTests
{
    private static Tensor Random(Rng rng, params int[] shape)
    {
        var t = Tensor.Uniform(new Shape(shape), -1f, 1f, rng);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>y[t, n, c, p] = Σ_s α[c, t, s] · x[s, n, c, p], element by element in double.</summary>
    private static float[] Naive(float[] x, float[] alpha, int m, int n, int c, int p)
    {
        var y = new float[x.Length];
        for (int t = 0; t < m; t++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int q = 0; q < p; q++)
                    {
                        double sum = 0;
                        for (int s = 0; s < m; s++)
                        {
                            sum += (double)alpha[(((ch * m) + t) * m) + s] * x[(((((s * n) + i) * c) + ch) * p) + q];
                        }

                        y[(((((t * n) + i) * c) + ch) * p) + q] = (float)sum;
                    }
                }
            }
        }

        return y;
    }

    [Theory]
    [InlineData(2, 3, 4)]    // feature maps: a P run per channel
    [InlineData(3, 5, 1)]    // dense units: P = 1, weights as a vector over the channels
    [InlineData(1, 2, 3)]    // one task
    public void GradientsMatchFiniteDifferences(int tasks, int channels, int positions)
    {
        var rng = new Rng((ulong)((100 * tasks) + (10 * channels) + positions));
        Tensor[] inputs = [Random(rng, tasks, 3, channels, positions), Random(rng, channels, tasks, tasks)];
        GradCheck.Check($"MixChannels/{tasks}x{channels}x{positions}", i => SubspaceMixing.MixChannels(i[0], i[1]), inputs, eps: 1e-3f);
    }

    [Theory]
    [InlineData(2, 3, 4)]
    [InlineData(3, 7, 1)]
    [InlineData(4, 2, 9)]
    public void ValuesMatchANaiveSumPerChannel(int tasks, int channels, int positions)
    {
        const int N = 5;
        var rng = new Rng((ulong)((1000 * tasks) + (10 * channels) + positions));
        var x = Tensor.Uniform(new Shape(tasks, N, channels, positions), -1, 1, rng);
        var alpha = Tensor.Uniform(new Shape(channels, tasks, tasks), -1, 1, rng);
        alpha.Span[1] = 0f;   // a zero weight (skipped by the kernel) still counts as zero
        var expected = Naive(x.ToArray(), alpha.ToArray(), tasks, N, channels, positions);
        TensorAssert.Close(expected, SubspaceMixing.MixChannels(x, alpha).Span, 1e-6, 1e-5, "values");
    }

    [Theory]
    [InlineData(2, 3, 4)]
    [InlineData(3, 6, 1)]
    public void WithEveryChannelsAlphaEqualItIsMixAllWithOneSubspace(int tasks, int channels, int positions)
    {
        const int N = 4;
        var rng = new Rng((ulong)((10 * tasks) + channels));
        var states = Tensor.Uniform(new Shape(tasks, N, channels, positions), -1, 1, rng);
        var one = Tensor.Uniform(new Shape(tasks, tasks), -1, 1, rng);
        var perChannel = Tensor.FromArray(Enumerable.Range(0, channels).SelectMany(_ => one.ToArray()).ToArray(), channels, tasks, tasks);
        states.RequiresGrad = true;
        one.RequiresGrad = true;
        perChannel.RequiresGrad = true;
        var cw = SubspaceMixing.MixChannels(states, perChannel);
        var all = SubspaceMixing.MixAll(Ops.Reshape(states, tasks, N, channels * positions), one, 1);
        TensorAssert.Close(all.Span, cw.Span, 1e-6, 1e-5, "values");

        // Gradients: the same for the states; summed over the channels, the per-channel α's equal the shared α's.
        var weights = Tensor.Uniform(new Shape(tasks, N, channels * positions), -1, 1, rng);
        var gCw = new float[states.Length + perChannel.Length];
        var gAll = new float[states.Length + one.Length];
        Autograd.Grad(Ops.Sum(Ops.Mul(Ops.Reshape(cw, tasks, N, channels * positions), weights)), [states, perChannel], gCw);
        Autograd.Grad(Ops.Sum(Ops.Mul(all, weights)), [states, one], gAll);
        TensorAssert.Close(gAll.AsSpan(0, states.Length), gCw.AsSpan(0, states.Length), 1e-6, 1e-5, "state gradients");
        var summed = new float[tasks * tasks];
        for (int c = 0; c < channels; c++)
        {
            for (int q = 0; q < summed.Length; q++)
            {
                summed[q] += gCw[states.Length + (c * summed.Length) + q];
            }
        }

        TensorAssert.Close(gAll.AsSpan(states.Length), summed, 1e-5, 1e-4, "α gradients summed over channels");
    }

    [Fact]
    public void EachChannelMixesWithItsOwnMatrix()
    {
        // Two tasks, two channels: channel 0 keeps each task's own values, channel 1 swaps the tasks.
        var x = Tensor.FromArray([1, 2, 3, 4, /* task 1: */ 10, 20, 30, 40], 2, 1, 2, 2);
        var alpha = Tensor.FromArray([1, 0, 0, 1, /* channel 1: */ 0, 1, 1, 0], 2, 2, 2);
        Assert.Equal([1f, 2f, 30f, 40f, 10f, 20f, 3f, 4f], SubspaceMixing.MixChannels(x, alpha).ToArray());
    }

    [Fact]
    public void BadShapesAreRefusedNamingTheOp()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => SubspaceMixing.MixChannels(Tensor.Zeros(2, 3, 4, 5), Tensor.Zeros(3, 2, 2)));
        Assert.Contains("MixChannels", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 2, 2]", e.Message, StringComparison.Ordinal);   // what it needed: C = 4 matrices
        Assert.Throws<ShapeMismatchException>(() => SubspaceMixing.MixChannels(Tensor.Zeros(2, 3, 4), Tensor.Zeros(4, 2, 2)));
    }
}
