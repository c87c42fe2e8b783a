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

    [Fact]
    public void GradientsMatchFiniteDifferencesIncludingTheStitches()
    {
        var network = new CrossStitchNetwork(3, [4, 3], 0.7f, [2], [2, 1, 2], new Rng(11));
        var jitter = new Rng(12);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, jitter).Span.CopyTo(p.Data);
        }

        var model = new ExpertModel(network, ["a", "b", "c"]);
        // (x from seed 14: seed 13 puts a layer-0 pre-activation at −0.0024, close enough to its ReLU kink that the
        // downstream units' kinks spoil central differences with ε = 1e-3.)
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(14));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 3).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        Assert.Equal(2, network.NamedParameters().Count(p => p.Name.StartsWith("alpha", StringComparison.Ordinal)));
        GradCheck.Check("cross-stitch", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void IdentityStitchesAreSeparateNetworksWithTheSameWeights()
    {
        var cs = new CrossStitchNetwork(5, [4, 3], 1f, [2], [2, 3], new Rng(21));
        Assert.Equal(1f, cs.Alpha(0)[0, 0]);
        Assert.Equal(0f, cs.Alpha(1)[1, 0]);
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
