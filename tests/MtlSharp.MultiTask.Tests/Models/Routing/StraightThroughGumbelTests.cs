using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

public sealed class StraightThroughGumbelTests
{
    private static Tensor Logits(int tasks, int comps, float p)
    {
        var l = Tensor.Zeros(tasks, comps, 2);
        for (int i = 0; i < tasks * comps; i++)
        {
            l.Span[2 * i] = MathF.Log(p);
            l.Span[(2 * i) + 1] = MathF.Log(1 - p);
        }

        l.RequiresGrad = true;
        return l;
    }

    [Fact]
    public void ForwardIsHardAndFrequencyMatchesProbability()
    {
        var logits = Logits(2, 4, 0.8f);
        var rng = new Rng(11);
        int ones = 0, n = 4000;
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < n; i++)
            {
                foreach (float z in StraightThroughGumbel.Sample(logits, 1, 1f, rng).Span)
                {
                    Assert.True(z == 0f || z == 1f);
                    ones += (int)z;
                }
            }
        }

        Assert.InRange(ones / (4.0 * n), 0.78, 0.82);
    }

    [Fact]
    public void BackwardIsTheSoftSampleGradientOnTheTaskRowOnly()
    {
        var logits = Logits(3, 2, 0.5f);
        logits.Span[2 * 2] = 0.3f; // task 1, component 0: a = 0.3
        float tau = 0.7f;

        // Replay the noise the sampler will draw (same seed, same order: a then b per component).
        var replay = new Rng(5);
        float[] soft = new float[2];
        for (int c = 0; c < 2; c++)
        {
            float ga = -MathF.Log(-MathF.Log(replay.NextFloat() + 1e-20f) + 1e-20f);
            float gb = -MathF.Log(-MathF.Log(replay.NextFloat() + 1e-20f) + 1e-20f);
            int i = ((1 * 2) + c) * 2;
            soft[c] = 1f / (1f + MathF.Exp(-((logits.Span[i] + ga) - (logits.Span[i + 1] + gb)) / tau));
        }

        var z = StraightThroughGumbel.Sample(logits, 1, tau, new Rng(5));
        float[] upstream = [2f, -1f];
        Autograd.Backward(z, upstream);
        float[] g = logits.Grad!.ToArray();
        for (int c = 0; c < 2; c++)
        {
            float expected = upstream[c] * soft[c] * (1 - soft[c]) / tau;
            int i = ((1 * 2) + c) * 2;
            Assert.Equal(expected, g[i], 5);
            Assert.Equal(-expected, g[i + 1], 5);
        }

        // Other tasks' logits get exactly zero gradient.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0f, g[i]);
            Assert.Equal(0f, g[8 + i]);
        }
    }

    [Fact]
    public void MaximumLikelihoodAndProbabilities()
    {
        var logits = Logits(1, 3, 0.5f);
        logits.Span[0] = -2f; // component 0: p < 0.5
        Assert.Equal([0f, 1f, 1f], StraightThroughGumbel.MaximumLikelihood(logits, 0));
        double[][] p = StraightThroughGumbel.Probabilities(logits);
        Assert.Equal(0.5, p[0][1], 6);
        Assert.True(p[0][0] < 0.5);
    }
}
