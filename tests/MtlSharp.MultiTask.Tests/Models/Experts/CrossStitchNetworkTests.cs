using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Cross-stitch networks for dense layers (Misra et al. 2016).</summary>
public sealed class CrossStitchNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    private static void SetAlpha(CrossStitchNetwork network, int layer, float[] values) =>
        values.CopyTo(network.NamedParameters().Single(p => p.Name == $"alpha{layer}").Parameter.Data);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GradientsMatchFiniteDifferencesIncludingTheStitches(bool channelWise)
    {
        var network = new CrossStitchNetwork(3, [4, 3], 0.7f, [2], [2, 1, 2], new Rng(11), channelWise: channelWise);
        var jitter = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, jitter).Span.CopyTo(p.Data);
        }

        if (channelWise)
        {
            // α [width, T, T]: every unit's matrix moved off the initial one differently.
            Assert.Equal(new Shape(4, 3, 3), network.NamedParameters().Single(p => p.Name == "alpha0").Parameter.Shape);
            foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.StartsWith("alpha", StringComparison.Ordinal)))
            {
                var noise = Tensor.Uniform(p.Shape, -0.1f, 0.1f, jitter).Span;
                for (int i = 0; i < p.Length; i++)
                {
                    p.Data[i] += noise[i];
                }
            }
        }

        var model = new ExpertModel(network, ["a", "b", "c"]);
        // (x from seed 14: seed 13 puts a layer-0 pre-activation at −0.0024, close enough to its ReLU kink that the
        // downstream units' kinks spoil central differences with ε = 1e-3.)
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(14));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 3).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        Assert.Equal(2, network.NamedParameters().Count(p => p.Name.StartsWith("alpha", StringComparison.Ordinal)));
        GradCheck.Check(channelWise ? "cross-stitch-channel-wise" : "cross-stitch", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdentityStitchesAreSeparateNetworksWithTheSameWeights(bool channelWise)
    {
        var cs = new CrossStitchNetwork(5, [4, 3], 1f, [2], [2, 3], new Rng(21), channelWise: channelWise);
        Assert.Equal(1f, cs.Alpha(0)[0, 0]);
        Assert.Equal(0f, cs.Alpha(1)[1, 0]);
        Assert.Equal(0f, cs.Alpha(1, 2)[0, 1]);   // selfWeight 1: every unit's α the identity
        Assert.Equal(1f, cs.Alpha(1, 2)[1, 1]);
        var routed = new RoutedNetwork(
            [new RoutedLayer(new MlpComponents(2, [5, 4], outputRelu: true, new Rng(22)), FixedRouter.NoSharing(2, 2)),
             new RoutedLayer(new MlpComponents(2, [4, 3], outputRelu: true, new Rng(23)), FixedRouter.NoSharing(2, 2))],
            new TaskHeads(3, [2], [2, 3], new Rng(24)), 0f, 2);
        var from = cs.NamedParameters().Where(p => !p.Name.StartsWith("alpha", StringComparison.Ordinal)).ToArray();
        var to = routed.NamedParameters();
        Assert.Equal(from.Length, to.Count);
        for (int i = 0; i < from.Length; i++)
        {
            Assert.Equal(from[i].Parameter.Shape, to[i].Parameter.Shape);
            from[i].Parameter.Data.CopyTo(to[i].Parameter.Data);
        }

        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(25));
        for (int t = 0; t < 2; t++)
        {
            var expected = routed.Forward(x, new RoutingContext(t, false, 1f, new Rng(0)));
            TensorAssert.Close(expected.Span, cs.Forward(x, t).Span, 1e-6, 1e-6, $"task {t}");
        }
    }

    [Fact]
    public void ChannelWiseWithEveryUnitAlikeIsTheSharedStitchNetworkAndUnitsMixSeparately()
    {
        var shared = new CrossStitchNetwork(3, [4, 3], 0.9f, [], [2, 2], new Rng(51));
        var channelWise = new CrossStitchNetwork(3, [4, 3], 0.9f, [], [2, 2], new Rng(52), channelWise: true);
        SetAlpha(shared, 0, [0.7f, 0.3f, -0.2f, 1.1f]);
        SetAlpha(shared, 1, [0.5f, 0.5f, 0.25f, 0.75f]);
        var to = channelWise.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, source) in shared.NamedParameters())
        {
            var target = to[name].Data;
            for (int k = 0; k < target.Length; k += source.Length)   // α [T, T] into every unit's slot of α [w, T, T]
            {
                source.Data.CopyTo(target[k..]);
            }
        }

        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(53));
        for (int t = 0; t < 2; t++)
        {
            TensorAssert.Close(shared.Forward(x, t).Span, channelWise.Forward(x, t).Span, 1e-6, 1e-5, $"task {t}");
        }

        // Unit 2 of the last layer: task 0 takes only task 1's activation; by hand from the mixed layer-1 activations.
        var alpha = to["alpha1"].Data;
        float[] swap = [0f, 1f, 0f, 1f];
        swap.CopyTo(alpha[(2 * 4)..]);
        Assert.Equal(1f / 3, channelWise.Alpha(1)[0, 0], 1e-6);   // the mean over the 3 units: (0.5 + 0.5 + 0) / 3
        var p = channelWise.NamedParameters().ToDictionary(q => q.Name, q => q.Parameter.Value);
        Tensor Column(int t, int l, Tensor h) => Ops.Relu(Ops.Add(
            Ops.MatMul(h, Ops.Reshape(Ops.Slice(p[$"layer{l}.weight0"], 0, t, 1), l == 0 ? 3 : 4, l == 0 ? 4 : 3)),
            Ops.Reshape(Ops.Slice(p[$"layer{l}.bias0"], 0, t, 1), l == 0 ? 4 : 3)));
        var h0 = new[] { Column(0, 0, x), Column(1, 0, x) };
        var m0 = new[] { Ops.Add(Ops.Scale(h0[0], 0.7f), Ops.Scale(h0[1], 0.3f)), Ops.Add(Ops.Scale(h0[0], -0.2f), Ops.Scale(h0[1], 1.1f)) };
        var h1 = new[] { Column(0, 1, m0[0]), Column(1, 1, m0[1]) };
        var mixed = Ops.Add(Ops.Scale(h1[0], 0.5f), Ops.Scale(h1[1], 0.5f)).ToArray();   // task 0, units 0 and 1
        for (int i = 0; i < 5; i++)
        {
            mixed[(i * 3) + 2] = h1[1].Span[(i * 3) + 2];   // unit 2 from task 1 alone
        }

        var expected = Ops.Linear(Tensor.FromArray(mixed, 5, 3), p["towers.weight0"], p["towers.bias0"]);
        TensorAssert.Close(expected.Span, channelWise.Forward(x, 0).Span, 1e-6, 1e-5, "task 0 by hand");

        // Reported: per layer the mean α over its units (statistics), then per layer the spread over the units.
        var stats = channelWise.CreateGateStatistics();
        channelWise.Forward(x, [0, 1], stats);
        var matrices = channelWise.GateMatrices(stats, ["a", "b"]);
        Assert.Equal(4, matrices.Count);
        Assert.Equal(1.0 / 3, matrices[1].Values[0][0], 1e-6);
        Assert.Equal((0.25 + 0.25 + 0) / 3, matrices[1].Values[1][0], 1e-6);
        Assert.Equal(0.0, matrices[2].Values[0][1], 1e-6);   // layer 0: every unit alike
        Assert.Equal(Math.Sqrt(1.0 / 18), matrices[3].Values[0][0], 1e-6);   // (0.5, 0.5, 0): mean 1/3, variance 1/18
        Assert.Contains("standard deviation over its 3 units", matrices[3].Name, StringComparison.Ordinal);
    }

    [Fact]
    public void UniformStitchesGiveEveryTaskTheSameActivations()
    {
        // Rows of ½: after the last unit every column holds the mean of the two, so equal towers give equal outputs.
        var cs = new CrossStitchNetwork(3, [4], 0.5f, [], [2, 2], new Rng(31));
        var towers = cs.NamedParameters().Where(p => p.Name.StartsWith("towers", StringComparison.Ordinal)).ToDictionary(p => p.Name, p => p.Parameter);
        towers["towers.weight0"].Data.CopyTo(towers["towers.weight1"].Data);
        towers["towers.bias0"].Data.CopyTo(towers["towers.bias1"].Data);
        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(32));
        TensorAssert.Close(cs.Forward(x, 0).Span, cs.Forward(x, 1).Span, 1e-6, 1e-6, "tasks 0 and 1");
    }

    [Fact]
    public void StitchMatricesAreReportedAndShared()
    {
        var cs = new CrossStitchNetwork(3, [4, 4], 0.9f, [], [2, 2], new Rng(41));
        SetAlpha(cs, 1, [0.6f, 0.4f, 0.2f, 0.8f]);
        var stats = cs.CreateGateStatistics();
        cs.Forward(Tensor.Uniform(new Shape(3, 3), -1, 1, new Rng(42)), [0, 1], stats);
        var matrices = cs.GateMatrices(stats, ["a", "b"]);
        Assert.Equal(2, matrices.Count);
        Assert.Equal(0.9, matrices[0].Values[0][0], 1e-6);
        Assert.Equal(0.1, matrices[0].Values[0][1], 1e-6);
        Assert.Equal(0.2, matrices[1].Values[1][0], 1e-6);
        Assert.All(cs.NamedParameters().Where(p => p.Name.StartsWith("alpha", StringComparison.Ordinal)), p => Assert.Equal(ParameterKind.Shared, p.Parameter.Kind));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossStitchNetwork(3, [4], 1.5f, [], [2, 2], new Rng(1)));
    }
}
