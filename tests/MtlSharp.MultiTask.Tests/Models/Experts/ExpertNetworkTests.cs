using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

public sealed class ExpertNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    private static MultiTaskBatch Batch(Tensor x, params int[] tasks) =>
        new(tasks.Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());

    private static Tensor[] Forward(ExpertModel model, MultiTaskBatch batch) =>
        [.. model.Forward(batch, new ForwardContext(0, true, new Rng(0), 1f))];

    /// <summary>
    /// Finite differences through the whole model: experts, gates, mixtures and towers of every task. Biases start at
    /// zero, so a row whose hidden units are all dead puts the next pre-activation exactly on the ReLU kink, where
    /// central differences are meaningless; the check moves every bias off zero first.
    /// </summary>
    private static void CheckGradients(string name, ExpertNetwork network, ulong seed)
    {
        var model = new ExpertModel(network, Enumerable.Range(0, network.Tasks).Select(t => $"t{t}").ToArray());
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(seed));
        var batch = Batch(x, Enumerable.Range(0, network.Tasks).ToArray());
        var jitter = new Rng(seed + 100);
        foreach (var (_, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.3f, 0.3f, jitter).Span.CopyTo(p.Data);
        }

        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        GradCheck.Check(name, _ => Ops.Concat(Forward(model, batch), 1), parameters, seed, eps: 1e-3f);
    }

    [Fact]
    public void MmoeGradientsMatchFiniteDifferences() =>
        CheckGradients("mmoe", new MixtureOfExperts(3, 3, [4, 3], GateMode.PerTask, [2], [2, 1], new Rng(11)), 3);

    [Fact]
    public void OneGateMoeGradientsMatchFiniteDifferences() =>
        CheckGradients("one-gate moe", new MixtureOfExperts(3, 2, [3], GateMode.One, [], [2, 2, 1], new Rng(12)), 4);

    [Fact]
    public void PleGradientsMatchFiniteDifferences() =>
        CheckGradients("ple", new ProgressiveLayeredExtraction(3, 2, 2, 1, [3], [2], [2, 1], new Rng(13)), 5);

    [Fact]
    public void CgcGradientsMatchFiniteDifferences() =>
        CheckGradients("cgc", new ProgressiveLayeredExtraction(3, 1, 1, 2, [3, 2], [], [1, 2, 2], new Rng(14)), 6);

    [Fact]
    public void MmoeWithOneExpertIsASharedBottomNetworkWithTheSameWeights()
    {
        var mmoe = new MixtureOfExperts(5, 1, [4, 3], GateMode.PerTask, [2], [2, 3], new Rng(21));
        var routed = new RoutedNetwork(
            [new RoutedLayer(new MlpComponents(1, [5, 4, 3], outputRelu: true, new Rng(22)), FixedRouter.SharedBottom(2, 1))],
            new TaskHeads(3, [2], [2, 3], new Rng(23)), 0f, 2);
        var from = mmoe.NamedParameters().Where(p => !p.Name.Contains("gate", StringComparison.Ordinal)).ToArray();
        var to = routed.NamedParameters();
        Assert.Equal(from.Length, to.Count);
        for (int i = 0; i < from.Length; i++)
        {
            Assert.Equal(from[i].Parameter.Shape, to[i].Parameter.Shape);
            from[i].Parameter.Data.CopyTo(to[i].Parameter.Data);
        }

        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(24));
        for (int t = 0; t < 2; t++)
        {
            var expected = routed.Forward(x, new RoutingContext(t, false, 1f, new Rng(0)));
            TensorAssert.Close(expected.Span, mmoe.Forward(x, t).Span, 1e-6, 1e-6, $"task {t}");
        }
    }

    [Fact]
    public void AOneHotGateUsesThatExpertOnly()
    {
        var mmoe = new MixtureOfExperts(4, 3, [5], GateMode.PerTask, [3], [2, 2], new Rng(31));
        var gate = (SoftmaxGate)mmoe.GateOf(1);
        gate.Weight.Data.Clear();
        float[] bias = [0f, 60f, 0f];   // softmax → (e^-60, 1, e^-60): one-hot in float
        bias.CopyTo(gate.Bias.Data);
        var x = Tensor.Uniform(new Shape(7, 4), -1, 1, new Rng(32));
        var experts = Ops.Reshape(mmoe.Experts.Forward(x, default).Stacked, 3, 7, 5);
        var second = Ops.Reshape(Ops.Slice(experts, 0, 1, 1), 7, 5);
        TensorAssert.Close(mmoe.Towers.Forward(second, 1).Span, mmoe.Forward(x, 1).Span, 1e-6, 1e-6, "task 1 through expert 1");

        // Task 0's gate is untouched, so its output is a genuine mixture, not expert 1 alone.
        var onlySecond = mmoe.Towers.Forward(second, 0).ToArray();
        Assert.Contains(mmoe.Forward(x, 0).ToArray().Zip(onlySecond), p => Math.Abs(p.First - p.Second) > 1e-4);
    }

    [Fact]
    public void CgcWithGatesOneHotOnTheSharedExpertIsSharedBottomAndOnTheirOwnIsNoSharing()
    {
        var cgc = new ProgressiveLayeredExtraction(4, 1, 1, 1, [5, 3], [2], [2, 1], new Rng(41));
        var x = Tensor.Uniform(new Shape(6, 4), -1, 1, new Rng(42));
        var shared = Ops.Reshape(cgc.SharedExpertsOf(0).Forward(x, default).Stacked, 6, 3);
        foreach (bool own in new[] { false, true })
        {
            for (int t = 0; t < 2; t++)
            {
                var gate = cgc.TaskGate(0, t);
                gate.Weight.Data.Clear();
                float[] bias = own ? [0f, 60f] : [60f, 0f];   // columns: shared expert, then the task's own
                bias.CopyTo(gate.Bias.Data);
            }

            for (int t = 0; t < 2; t++)
            {
                var input = own ? Ops.Reshape(cgc.TaskExpertsOf(0, t).Forward(x, default).Stacked, 6, 3) : shared;
                TensorAssert.Close(cgc.Towers.Forward(input, t).Span, cgc.Forward(x, t).Span, 1e-6, 1e-6, $"{(own ? "own" : "shared")} expert, task {t}");
            }
        }
    }

    [Fact]
    public void PartsOnTheSameRowsRunTogetherAndMatchSeparatePasses()
    {
        foreach (ExpertNetwork network in new ExpertNetwork[]
        {
            new MixtureOfExperts(3, 3, [4], GateMode.PerTask, [], [2, 1, 3], new Rng(51)),
            new MixtureOfExperts(3, 3, [4], GateMode.One, [2], [2, 1, 3], new Rng(52)),
            new ProgressiveLayeredExtraction(3, 2, 2, 1, [4], [], [2, 1, 3], new Rng(53)),
        })
        {
            var model = new ExpertModel(network, ["a", "b", "c"]);
            var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new Rng(54));
            var together = Forward(model, Batch(x, 2, 0, 1));
            for (int i = 0; i < 3; i++)
            {
                int task = new[] { 2, 0, 1 }[i];
                var alone = Forward(model, Batch(x.Clone(), task))[0];
                TensorAssert.Close(alone.Span, together[i].Span, 1e-6, 1e-6, $"{network.GetType().Name} task {task}");
            }
        }
    }

    [Fact]
    public void GateWeightsAreRecordedAsMatricesAndSharingScalars()
    {
        var ple = new ProgressiveLayeredExtraction(3, 2, 2, 1, [4], [], [2, 1], new Rng(61));
        var model = new ExpertModel(ple, ["a", "b"]);
        Forward(model, Batch(Tensor.Uniform(new Shape(8, 3), -1, 1, new Rng(62)), 0, 1));
        var stats = ple.CreateGateStatistics();
        ple.Forward(Tensor.Uniform(new Shape(8, 3), -1, 1, new Rng(63)), [0, 1], stats);
        var matrices = model.GateMatrices(stats);
        Assert.Equal(2, matrices.Count);
        Assert.Equal(["a", "b", "shared gate"], matrices[0].RowLabels);
        Assert.Equal(["shared0", "shared1", "a.0", "b.0"], matrices[0].ColumnLabels);
        Assert.Equal(["a", "b"], matrices[1].RowLabels);
        foreach (var m in matrices)
        {
            Assert.All(m.Values, row => Assert.Equal(1.0, row.Sum(), 5));
        }

        Assert.Equal(0.0, matrices[0].Values[0][3]);   // task a's gate cannot choose b's expert
        Assert.Equal(0.0, matrices[1].Values[1][2]);
        var scalars = model.SharingScalars();
        Assert.Equal((3 + 2) * 4, scalars.Count);
        Assert.Contains(scalars, s => s.Name == "gates/level0/shared/b.0");
        Assert.Contains(scalars, s => s.Name == "gates/level1/a/shared1");
        Assert.Equal(1.0, scalars.Where(s => s.Name.StartsWith("gates/level1/b/", StringComparison.Ordinal)).Sum(s => s.Value), 5);
    }

    [Fact]
    public void TaskExpertsAndGatesAreTaskParametersAndTheRestIsShared()
    {
        var ple = new ProgressiveLayeredExtraction(3, 2, 1, 1, [4], [2], [2, 1], new Rng(71));
        var names = ple.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Kind);
        Assert.All(names.Where(kv => kv.Key.Contains(".task1.", StringComparison.Ordinal) || kv.Key.Contains(".gate1.", StringComparison.Ordinal)),
            kv => Assert.Equal(ParameterKind.Task(1), kv.Value));
        Assert.All(names.Where(kv => kv.Key.Contains(".shared", StringComparison.Ordinal)), kv => Assert.Equal(ParameterKind.Shared, kv.Value));
        var model = new ExpertModel(ple, ["a", "b"]);
        Assert.All(model.SharedParameters, p => Assert.Equal(ParameterRole.Shared, p.Kind.Role));
        Assert.Contains(names.Keys, n => n.StartsWith("level0.sharedGate", StringComparison.Ordinal));
        Assert.DoesNotContain(names.Keys, n => n.StartsWith("level1.sharedGate", StringComparison.Ordinal));

        var mmoe = new MixtureOfExperts(3, 2, [4], GateMode.One, [], [2, 1], new Rng(72));
        Assert.Equal(ParameterKind.Shared, mmoe.NamedParameters().Single(p => p.Name == "gate0.weight").Parameter.Kind);
        Assert.DoesNotContain(mmoe.NamedParameters(), p => p.Name.StartsWith("gate1", StringComparison.Ordinal));
    }
}
