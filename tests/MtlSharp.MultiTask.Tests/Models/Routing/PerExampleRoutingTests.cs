using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Routing;

/// <summary>The per-example mixture-of-experts baseline: noisy top-k gate, the routed layer, the balancing loss.</summary>
public sealed class PerExampleRoutingTests
{
    private static NoisyTopKGate Gate(int width, int tasks, int components, int k, Rng rng)
    {
        var gate = new NoisyTopKGate(width, tasks, components, k);
        foreach (var p in gate.Parameters())
        {
            rng.FillUniform(p.Value.Span, -1f, 1f);
        }

        return gate;
    }

    [Fact]
    public void EachExampleKeepsKComponentsWhoseWeightsSumToOne()
    {
        var rng = new Rng(1);
        var gate = Gate(3, 2, 7, 3, rng);
        var s = Tensor.Uniform(new Shape(5, 3), -1, 1, rng);
        foreach (bool training in new[] { false, true })
        {
            float[] g = gate.Forward(s, 1, training, new Rng(4)).ToArray();
            for (int r = 0; r < 5; r++)
            {
                var row = g.AsSpan(r * 7, 7).ToArray();
                Assert.Equal(3, row.Count(v => v > 0f));
                Assert.Equal(1.0, row.Sum(), 5);
            }
        }

        // Evaluation is noise-free: the same gates whatever the stream; training noise follows the stream.
        Assert.Equal(gate.Forward(s, 0, false, new Rng(1)).ToArray(), gate.Forward(s, 0, false, new Rng(2)).ToArray());
        Assert.Equal(gate.Forward(s, 0, true, new Rng(5)).ToArray(), gate.Forward(s, 0, true, new Rng(5)).ToArray());
        Assert.NotEqual(gate.Forward(s, 0, true, new Rng(5)).ToArray(), gate.Forward(s, 0, true, new Rng(6)).ToArray());
        // The task's bias row changes the gates.
        Assert.NotEqual(gate.Forward(s, 0, false, new Rng(1)).ToArray(), gate.Forward(s, 1, false, new Rng(1)).ToArray());
    }

    [Fact]
    public void ASharesGatesHaveTheWholeBatchsNoiseForItsRows()
    {
        // Data parallelism: rows [2, 5) of a batch of 5 get the noise one process draws for them with the whole batch,
        // and the stream advances as there.
        var rng = new Rng(1);
        var gate = Gate(3, 2, 7, 3, rng);
        var s = Tensor.Uniform(new Shape(5, 3), -1, 1, rng);
        var r0 = new Rng(9);
        float[] whole = gate.Forward(s, 1, true, r0).ToArray();
        var share = Tensor.FromArray(s.ToArray().AsSpan(6, 9).ToArray(), 3, 3);
        var r1 = new Rng(9);
        Assert.Equal(whole.AsSpan(14, 21).ToArray(), gate.Forward(share, 1, true, r1, new RowShare(2, 3, 5)).ToArray());
        Assert.Equal(r0.NextUInt64(), r1.NextUInt64());
        Assert.NotEqual(whole.AsSpan(14, 21).ToArray(), gate.Forward(share, 1, true, new Rng(9)).ToArray());
    }

    [Fact]
    public void GateStartsUniformOverTheKeptComponents()
    {
        var gate = new NoisyTopKGate(4, 1, 5, 5);
        var g = gate.Forward(Tensor.Uniform(new Shape(2, 4), -1, 1, new Rng(0)), 0, false, new Rng(0)).ToArray();
        Assert.All(g, v => Assert.Equal(0.2f, v, 6));
        Assert.All(gate.Parameters(), p => Assert.Equal(ParameterRole.Routing, p.Kind.Role));
    }

    [Fact]
    public void TheNoiseWeightsLearnFromTheirZeroStart()
    {
        // W_n starts at 0, where softplus has slope 1/2: the first training step must give it a gradient (a stable
        // softplus built from relu and abs has slope 0 there, and W_n then stayed 0 for a whole Omniglot run).
        var gate = new NoisyTopKGate(4, 1, 5, 2);
        var s = Tensor.Uniform(new Shape(3, 4), -1, 1, new Rng(0));
        var g = gate.Forward(s, 0, true, new Rng(1));
        var w = Tensor.Uniform(new Shape(3, 5), -1, 1, new Rng(2));
        MtlSharp.Tensors.Autodiff.Autograd.Backward(Ops.Sum(Ops.Mul(g, w)));
        var noise = gate.Parameters().Single(p => p.Name == "noise");
        Assert.Contains(noise.Value.Grad!.ToArray(), v => MathF.Abs(v) > 1e-4f);
    }

    [Fact]
    public void AGateWithoutNoiseTrainsWithItsEvaluationGatesAndHasNoNoiseWeights()
    {
        var rng = new Rng(1);
        var noisy = Gate(3, 2, 7, 3, rng);
        var quiet = new NoisyTopKGate(3, 2, 7, 3, noisy: false);
        Assert.Equal(["weight", "taskBias"], quiet.Parameters().Select(p => p.Name));
        // The same W_g and biases as the noisy gate.
        foreach (var p in quiet.Parameters())
        {
            p.Value.Span.Clear();
            noisy.Parameters().Single(q => q.Name == p.Name).Value.Span.CopyTo(p.Value.Span);
        }

        var s = Tensor.Uniform(new Shape(5, 3), -1, 1, rng);
        float[] eval = quiet.Forward(s, 1, false, new Rng(2)).ToArray();
        Assert.Equal(eval, quiet.Forward(s, 1, true, new Rng(3)).ToArray());
        Assert.Equal(eval, noisy.Forward(s, 1, false, new Rng(2)).ToArray());
        Assert.NotEqual(eval, noisy.Forward(s, 1, true, new Rng(3)).ToArray());
        Assert.False(quiet.Noisy);
        Assert.True(noisy.Noisy);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerGradientsMatchFiniteDifferences(bool training)
    {
        var rng = new Rng(11);
        // Components without ReLU: its kinks break central differences.
        var comps = new ModuleComponents(
            new ConvSequence(2, 2, [(3, 3)], 1, 0, rng, relu: false),
            new ConvSequence(2, 2, [(1, 3), (3, 1)], 1, 0, rng, relu: false),
            FunctionStage.AvgPool(3, 1, PaddingMode.Same),
            new Identity());
        var gate = Gate(2, 2, 4, 2, rng);
        var layer = new PerExampleRoutedLayer(comps, gate);
        var x = Tensor.Uniform(new Shape(3, 2, 4, 4), -1, 1, rng);
        x.RequiresGrad = true;
        var ps = layer.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check($"PerExampleRoutedLayer/{(training ? "train" : "eval")}", i => layer.Forward(i[0], new RoutingContext(1, training, 1f, new Rng(3))), [x, .. ps], eps: 1e-3f, atol: 3e-3, rtol: 3e-2);
    }

    [Fact]
    public void EvaluationComputesOnlyTheComponentsSomeExamplePicked()
    {
        var rng = new Rng(2);
        var counting = new Counting();
        var comps = new ModuleComponents(new Identity(), counting, new Identity());
        var gate = new NoisyTopKGate(1, 1, 3, 1);
        // A strong preference for component 0 (bias), so at evaluation no example picks the counting one.
        gate.Parameters().Single(p => p.Name == "taskBias").Value.Span[0] = 5f;
        var layer = new PerExampleRoutedLayer(comps, gate);
        var x = Tensor.Uniform(new Shape(4, 1, 3, 3), -1, 1, rng);
        var y = layer.Forward(x, new RoutingContext(0, false, 1f, rng));
        TensorAssert.Close(x, y, 1e-6, 1e-6, "identity picked with weight 1");
        Assert.Equal(0, counting.Calls);
        layer.Forward(x, new RoutingContext(0, true, 1f, rng));
        Assert.Equal(1, counting.Calls);   // training computes every component
    }

    [Fact]
    public void BalanceLossIsTheCoefficientOfVariationOfImportanceAndAnnealsToZero()
    {
        var g = Tensor.FromArray([0.5f, 0.5f, 0f, 1f, 0f, 0f], 2, 3);   // importance (1.5, 0.5, 0): mean 2/3, var 7/18
        Assert.Equal((7.0 / 18) / (4.0 / 9), ExpertBalanceRegularizer.Cv2(g).ToArray()[0], 5);
        var gates = Tensor.Uniform(new Shape(4, 3), 0.1f, 1f, new Rng(3));
        gates.RequiresGrad = true;
        GradCheck.Check("Cv2", i => ExpertBalanceRegularizer.Cv2(i[0]), [gates], eps: 1e-3f);
        var reg = new ExpertBalanceRegularizer([], 0.1f, 100);
        Assert.Equal(0.1f, reg.Weight(0), 6);
        Assert.Equal(0.05f, reg.Weight(50), 6);
        Assert.Equal(0f, reg.Weight(100));
        Assert.Equal(0f, reg.Weight(500));
    }

    [Fact]
    public void KAnnealsFromTheComponentCountToTwoOverTheLayers()
    {
        Assert.Equal([7, 6, 6, 5, 4, 3, 3, 2], Enumerable.Range(0, 8).Select(l => ConfigRunBuilder.AnnealedTopK(7, l, 8)));
        Assert.Equal(7, ConfigRunBuilder.AnnealedTopK(7, 0, 1));
        Assert.Equal(1, ConfigRunBuilder.AnnealedTopK(1, 2, 3));
    }

    private sealed class Counting : Module<Tensor, Tensor>
    {
        public int Calls { get; private set; }

        public override Tensor Forward(Tensor input)
        {
            Calls++;
            return input;
        }
    }
}
