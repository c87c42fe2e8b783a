using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Task attention (MTAN) networks over flat inputs.</summary>
public sealed class TaskAttentionNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    [Fact]
    public void GradientsMatchFiniteDifferencesThroughMasksBridgesAndTowers()
    {
        var network = new TaskAttentionNetwork(3, [4, 3], [2], [2, 1], new Rng(41));
        var jitter = new Rng(42);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal) || p.Name.EndsWith("_b1", StringComparison.Ordinal) || p.Name.EndsWith("_b2", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, jitter).Span.CopyTo(p.Data);   // biases off zero: no ReLU sits at its kink
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(43));
        var batch = new MultiTaskBatch(Enumerable.Range(0, 2).Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check("mtan", _ => Ops.Concat([.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void WithMasksOfOneEveryTaskReadsTheSharedTrunk()
    {
        // σ(40) rounds to 1 in float32: every mask is exactly one, so task t's output is its tower on the plain trunk.
        var network = new TaskAttentionNetwork(5, [4, 3], [], [2, 3], new Rng(51));
        foreach (var (name, p) in network.NamedParameters().Where(p => p.Name.EndsWith("_b2", StringComparison.Ordinal)))
        {
            p.Data.Fill(40f);
        }

        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(52));
        var h = Ops.Relu(Ops.Linear(Ops.Relu(Ops.Linear(x, named["layer0_weight"], named["layer0_bias"])), named["layer1_weight"], named["layer1_bias"]));
        var stats = network.CreateGateStatistics();
        var outputs = network.Forward(x, [0, 1], stats);
        for (int t = 0; t < 2; t++)
        {
            var expected = Ops.Linear(h, named[$"towers.weight{t}"], named[$"towers.bias{t}"]);
            TensorAssert.Close(expected.Span, outputs[t].Span, 1e-6, 1e-6, $"task {t}");
        }

        var m = network.GateMatrices(stats, ["a", "b"]).Single();
        Assert.All(m.Values, row => Assert.All(row, v => Assert.Equal(1.0, v, 6)));
    }

    [Fact]
    public void AMaskOfZeroCutsATaskOffFromTheSharedFeatures()
    {
        // Task 1's last mask is σ(−40) = 0: its tower sees zeros, so its output is its tower's bias whatever the input;
        // task 0 (masks ≈ ½ at random weights) still depends on the input.
        var network = new TaskAttentionNetwork(3, [4, 3], [], [2, 2], new Rng(61));
        var (_, _, w2, b2) = network.Attention(1, 1);
        w2.Data.Clear();
        b2.Data.Fill(-40f);
        var a = Tensor.Uniform(new Shape(2, 3), -1, 1, new Rng(62));
        var b = Tensor.Uniform(new Shape(2, 3), -1, 1, new Rng(63));
        var towerBias = network.NamedParameters().Single(p => p.Name == "towers.bias1").Parameter;
        towerBias.Data[0] = 0.25f;
        towerBias.Data[1] = -0.5f;
        var bias = towerBias.Data.ToArray();
        foreach (var x in new[] { a, b })
        {
            var y = network.Forward(x, 1).Span;
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(bias, y.Slice(i * 2, 2).ToArray());
            }
        }

        Assert.NotEqual(network.Forward(a, 0).Span.ToArray(), network.Forward(b, 0).Span.ToArray());
        Assert.All(network.NamedParameters().Where(p => p.Name.StartsWith("att1_", StringComparison.Ordinal)), p => Assert.Equal(ParameterKind.Task(1), p.Parameter.Kind));
        Assert.All(network.NamedParameters().Where(p => p.Name.StartsWith("f1_", StringComparison.Ordinal)), p => Assert.Equal(ParameterKind.Shared, p.Parameter.Kind));
    }
}
