using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors.Tests;

/// <summary>The graph machinery itself, exercised through a local op so it does not depend on the library's ops.</summary>
public sealed class AutogradTests
{
    /// <summary>y = x ⊙ w (same shapes), the smallest op with two differentiable inputs.</summary>
    private sealed class MulNode : Node
    {
        private MulNode(Tensor x, Tensor w)
            : base(x, w)
        {
        }

        public static Tensor Apply(Tensor x, Tensor w)
        {
            var y = Tensor.Scratch(x.Shape);
            for (int i = 0; i < x.Length; i++)
            {
                y.Span[i] = x.Span[i] * w.Span[i];
            }

            return Autograd.ShouldRecord(x, w) ? y.WithGradFn(new MulNode(x, w)) : y;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> g)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            Span<float> gw = ctx.GradFor(Inputs[1]);
            for (int i = 0; i < g.Length; i++)
            {
                if (!gx.IsEmpty)
                {
                    gx[i] += g[i] * Inputs[1].Span[i];
                }

                if (!gw.IsEmpty)
                {
                    gw[i] += g[i] * Inputs[0].Span[i];
                }
            }
        }
    }

    private sealed class SumNode : Node
    {
        private SumNode(Tensor x)
            : base(x)
        {
        }

        public static Tensor Apply(Tensor x)
        {
            float s = 0;
            foreach (float v in x.Span)
            {
                s += v;
            }

            var y = Tensor.Scratch(Shape.Scalar);
            y.Span[0] = s;
            return Autograd.ShouldRecord(x) ? y.WithGradFn(new SumNode(x)) : y;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> g)
        {
            Span<float> gx = ctx.GradFor(Inputs[0]);
            for (int i = 0; i < gx.Length; i++)
            {
                gx[i] += g[0];
            }
        }
    }

    private static Tensor Param(params float[] v)
    {
        var t = Tensor.FromArray(v, v.Length);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void PassThroughGradientsCopyFirstThenAdd()
    {
        // Reshape and full-size Add/Sub hand their gradient on with BackwardContext.AddGrad: copied into a fresh
        // buffer the first time, added after that. h gets two contributions (through a reshape and directly), x
        // feeds itself twice into an Add, and a second Backward accumulates into the leaves' gradients.
        var x = Tensor.FromArray([1f, -2f, 3f, 0.5f, -1f, 2f], 2, 3);
        x.RequiresGrad = true;
        var c = Tensor.FromArray([2f, 3f, -1f, 4f, 0.5f, -2f], 2, 3);
        c.RequiresGrad = true;
        Tensor Loss()
        {
            var h = Ops.Mul(x, c);
            var both = Ops.Add(Ops.Reshape(Ops.Reshape(h, 3, 2), 2, 3), h);
            return Ops.Sum(Ops.Add(Ops.Sub(both, Ops.Scale(x, 0.5f)), Ops.Add(x, x)));
        }

        Autograd.Backward(Loss());
        float[] gx = x.Grad!.ToArray(), gc = c.Grad!.ToArray();
        float[] xs = x.ToArray(), cs = c.ToArray();
        for (int i = 0; i < 6; i++)
        {
            // d/dx = 2c − 0.5 + 2, d/dc = 2x.
            Assert.Equal((2 * cs[i]) + 1.5f, gx[i]);
            Assert.Equal(2 * xs[i], gc[i]);
        }

        Autograd.Backward(Loss());
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(2 * ((2 * cs[i]) + 1.5f), x.Grad!.ToArray()[i]);
            Assert.Equal(4 * xs[i], c.Grad!.ToArray()[i]);
        }
    }

    [Fact]
    public void BackwardAccumulatesIntoLeafGradients()
    {
        var x = Param(1, 2, 3);
        var w = Param(4, 5, 6);
        Autograd.Backward(SumNode.Apply(MulNode.Apply(x, w)));
        Assert.Equal([4f, 5f, 6f], x.Grad!.ToArray());
        Assert.Equal([1f, 2f, 3f], w.Grad!.ToArray());

        // A second backward adds (PyTorch semantics); ZeroGrad clears.
        Autograd.Backward(SumNode.Apply(MulNode.Apply(x, w)));
        Assert.Equal([8f, 10f, 12f], x.Grad!.ToArray());
        x.ZeroGrad();
        Assert.Equal([0f, 0f, 0f], x.Grad!.ToArray());
    }

    [Fact]
    public void DiamondGraphSumsBothPaths()
    {
        // y = sum(x*x) → dy/dx = 2x, through two uses of the same tensor.
        var x = Param(1, -2, 3);
        Autograd.Backward(SumNode.Apply(MulNode.Apply(x, x)));
        Assert.Equal([2f, -4f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void GradWritesFlatRowsForChosenTensorsOnlyAndLeavesGradUntouched()
    {
        var x = Param(1, 2);
        var w = Param(3, 4);
        var other = Param(7, 7);
        var y = SumNode.Apply(MulNode.Apply(x, w));
        float[] into = new float[6];
        Autograd.Grad(y, [w, other, x], into);
        Assert.Equal([1f, 2f, 0f, 0f, 3f, 4f], into);
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);

        // Several roots over one graph: differentiate a second loss that reuses the first's nodes.
        var z = SumNode.Apply(MulNode.Apply(MulNode.Apply(x, w), x));
        float[] g2 = new float[2];
        Autograd.Grad(z, [x], g2);
        Assert.Equal([6f, 16f], g2); // d/dx sum(x² w) = 2xw
        Autograd.Grad(y, [x], g2, accumulate: true);
        Assert.Equal([9f, 20f], g2);
    }

    [Fact]
    public void GradIntoWritesEachTensorIntoItsOwnDestination()
    {
        var x = Param(1, 2);
        var w = Param(3, 4);
        var other = Param(7, 7);
        var h = MulNode.Apply(x, w);                   // an intermediate target
        var y = SumNode.Apply(MulNode.Apply(h, x));    // sum(x² w): d/dx = 2xw, d/dw = x², d/dh = x
        float[] a = [9, 9, 9, 9, 9, 9, 9];
        float[] b = [5, 5, 5, 5, 5];
        Autograd.GradInto(y, [new GradTarget(w, a, 1), new GradTarget(other, a, 4), new GradTarget(h, b, 3), new GradTarget(x, b, 0, Accumulate: true)]);
        Assert.Equal([9f, 1f, 4f, 9f, 0f, 0f, 9f], a);   // w's gradient at 1, zeros for the unused tensor at 4, the rest untouched
        Assert.Equal([5f + 6f, 5f + 16f, 5f, 1f, 2f], b); // x accumulated onto 5s (2xw = 6, 16), h's gradient (x) at 3
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);

        // The same graph again: the bound destinations were released, an ordinary Grad sees fresh buffers.
        float[] g = new float[2];
        Autograd.Grad(y, [x], g);
        Assert.Equal([6f, 16f], g);
    }

    [Fact]
    public void GradIntoIsBitIdenticalToGradOnAnMlp()
    {
        var rng = new Rng(11);
        Tensor Rand(params int[] dims)
        {
            var t = Tensor.Zeros(dims);
            rng.FillNormal(t.Span, 0, 1);
            return t;
        }

        var x = Rand(16, 8);
        var w1 = Rand(8, 32);
        var w2 = Rand(32, 4);
        w1.RequiresGrad = true;
        w2.RequiresGrad = true;
        var hidden = Ops.Relu(Ops.MatMul(x, w1));
        var loss = Ops.Mean(Ops.Mul(Ops.MatMul(hidden, w2), Ops.MatMul(hidden, w2)));
        float[] reference = new float[w1.Length + hidden.Length + w2.Length];
        Autograd.Grad(loss, [w1, hidden, w2], reference);
        float[] row = new float[3 + w1.Length + w2.Length];
        float[] z = new float[hidden.Length];
        Autograd.GradInto(loss, [new GradTarget(w1, row, 3), new GradTarget(hidden, z, 0), new GradTarget(w2, row, 3 + w1.Length)]);
        Assert.Equal(reference[..w1.Length], row[3..(3 + w1.Length)]);
        Assert.Equal(reference[w1.Length..(w1.Length + hidden.Length)], z);
        Assert.Equal(reference[(w1.Length + hidden.Length)..], row[(3 + w1.Length)..]);
    }

    [Fact]
    public void GradIntoRejectsShortDestinationsRepeatsAndAccumulatingIntermediates()
    {
        var x = Param(1, 2);
        var h = MulNode.Apply(x, x);
        var y = SumNode.Apply(h);
        Assert.Contains("needs 2 floats from offset 1", Assert.Throws<ArgumentException>(() => Autograd.GradInto(y, [new GradTarget(x, new float[2], 1)])).Message);
        Assert.Contains("same tensor", Assert.Throws<ArgumentException>(() => Autograd.GradInto(y, [new GradTarget(x, new float[4], 0), new GradTarget(x, new float[4], 2)])).Message);
        Assert.Contains("only leaves", Assert.Throws<ArgumentException>(() => Autograd.GradInto(y, [new GradTarget(h, new float[2], 0, Accumulate: true)])).Message);
        Assert.Contains("one-element root", Assert.Throws<ArgumentException>(() => Autograd.GradInto(h, [new GradTarget(x, new float[2], 0)])).Message);
    }

    [Fact]
    public void NoGradAndDetachStopTheGraph()
    {
        var x = Param(1, 2);
        using (Autograd.NoGrad())
        {
            Assert.False(MulNode.Apply(x, x).RequiresGrad);
        }

        Assert.True(MulNode.Apply(x, x).RequiresGrad);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        var y = SumNode.Apply(MulNode.Apply(x, d));
        Autograd.Backward(y);
        Assert.Equal([1f, 2f], x.Grad!.ToArray()); // d treated as constant
    }

    [Fact]
    public void ArenaReusesBuffersAcrossSteps()
    {
        var arena = new TensorArena();
        var x = Param(1, 2, 3, 4);
        for (int step = 0; step < 5; step++)
        {
            using (arena.Enter())
            {
                Autograd.Backward(SumNode.Apply(MulNode.Apply(x, x)));
            }
        }

        int afterWarmup = arena.BuffersAllocated;
        using (arena.Enter())
        {
            Autograd.Backward(SumNode.Apply(MulNode.Apply(x, x)));
        }

        Assert.Equal(afterWarmup, arena.BuffersAllocated);
        Assert.True(afterWarmup > 0);
        Assert.Null(TensorArena.Current);
    }

    [Fact]
    public void BackwardRejectsNonScalarRootWithoutGradient()
    {
        var x = Param(1, 2);
        var ex = Assert.Throws<ArgumentException>(() => Autograd.Backward(MulNode.Apply(x, x)));
        Assert.Contains("[2]", ex.Message);
    }

    [Fact]
    public void RngIsDeterministicAndSplitsIndependently()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.NextUInt64(), b.NextUInt64());
        }

        var c = a.Split();
        Assert.NotEqual(a.NextUInt64(), c.NextUInt64());
        double mean = 0;
        var g = new Rng(7);
        for (int i = 0; i < 20000; i++)
        {
            mean += g.NextGaussian();
        }

        Assert.InRange(mean / 20000, -0.03, 0.03);
    }
}
