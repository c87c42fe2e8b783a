using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Tests.Configuration;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Models.Experts;

/// <summary>Soft layer ordering (Meyerson &amp; Miikkulainen 2018).</summary>
public sealed class SoftOrderedNetworkTests
{
    private static readonly TaskTargets Dummy = new(new int[1], null);

    private static MultiTaskBatch Batch(Tensor x, params int[] tasks) =>
        new(tasks.Select(t => new TaskBatch(t, new TensorInput(x), Dummy)).ToArray());

    [Fact]
    public void GradientsMatchFiniteDifferencesIncludingTheOrderings()
    {
        var network = new SoftOrderedNetwork(3, 3, 4, 2, [2], [2, 1], new Rng(11));
        var jitter = new Rng(12);
        foreach (var (name, p) in network.NamedParameters().Where(p => p.Name.Contains("bias", StringComparison.Ordinal) || p.Name.StartsWith("order", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -0.5f, 0.5f, jitter).Span.CopyTo(p.Data);
        }

        var model = new ExpertModel(network, ["a", "b"]);
        var x = Tensor.Uniform(new Shape(4, 3), -1, 1, new Rng(13));
        var parameters = network.Parameters().Select(p => p.Value).ToArray();
        Assert.Contains(network.NamedParameters(), p => p.Name == "order1");
        GradCheck.Check("soft-order", _ => Ops.Concat([.. model.Forward(Batch(x, 0, 1), new ForwardContext(0, true, new Rng(0), 1f))], 1), parameters, 14, eps: 1e-3f);
    }

    [Fact]
    public void AOneHotOrderingIsThatStackOfLayers()
    {
        // Task 1 uses layer 2 at depth 0 and layer 0 at depth 1: the network is encoder → W2 → W0 → tower.
        var network = new SoftOrderedNetwork(5, 3, 4, 2, [], [2, 3], new Rng(21));
        var order = network.NamedParameters().Single(p => p.Name == "order1").Parameter;
        float[] logits = [0, 0, 60, 60, 0, 0];   // [depth][layer]
        logits.CopyTo(order.Data);
        var x = Tensor.Uniform(new Shape(6, 5), -1, 1, new Rng(22));
        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Tensor Layer(Tensor h, string prefix, int component, int inWidth)
        {
            var w = Ops.Reshape(Ops.Slice(named[prefix + ".weight0"].Value, 0, component, 1), inWidth, 4);
            var b = Ops.Reshape(Ops.Slice(named[prefix + ".bias0"].Value, 0, component, 1), 4);
            return Ops.Relu(Ops.Add(Ops.MatMul(h, w), b));
        }

        var expected = Layer(Layer(Layer(x, "encoder", 0, 5), "layers", 2, 4), "layers", 0, 4);
        var ordering = network.Ordering(1);
        Assert.Equal(1.0, ordering[0][2], 1e-9);
        Assert.Equal(1.0, ordering[1][0], 1e-9);
        Assert.Equal(1.0 / 3, network.Ordering(0)[1][1], 1e-6);   // untouched: uniform

        // The tower of task 1 on the hand-built stack equals the network's output.
        var viaNetwork = network.Forward(x, 1);
        Assert.Equal(new Shape(6, 3), viaNetwork.Shape);
        var stats = network.CreateGateStatistics();
        network.Forward(x, [1], stats);
        Assert.Equal(1.0, network.GateMatrices(stats, ["a", "b"])[0].Values[1][2], 1e-6);
        Assert.Equal(2, network.GateMatrices(stats, ["a", "b"]).Count);
        TensorAssert.Close(TowerOf(network, expected, 1).Span, viaNetwork.Span, 1e-5, 1e-5, "encoder → W2 → W0");
    }

    /// <summary>Task <paramref name="task"/>'s (linear) tower on <paramref name="h"/>, from its parameters.</summary>
    private static Tensor TowerOf(SoftOrderedNetwork network, Tensor h, int task)
    {
        var named = network.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var w = named[$"towers.weight{task}"].Value;
        var b = named[$"towers.bias{task}"].Value;
        return Ops.Linear(h, w, b);
    }

    [Fact]
    public void EncoderAndLayersAreSharedAndOrderingsBelongToTheirTask()
    {
        var network = new SoftOrderedNetwork(3, 2, 4, 3, [], [2, 2, 2], new Rng(31));
        foreach (var (name, p) in network.NamedParameters())
        {
            if (name.StartsWith("encoder", StringComparison.Ordinal) || name.StartsWith("layers", StringComparison.Ordinal))
            {
                Assert.Equal(ParameterKind.Shared, p.Kind);
            }
            else if (name.StartsWith("order", StringComparison.Ordinal))
            {
                Assert.Equal(ParameterKind.Task(int.Parse(name[5..], System.Globalization.CultureInfo.InvariantCulture)), p.Kind);
                Assert.Equal(new Shape(3, 2), p.Shape);
            }
        }
    }

    [Fact]
    public void AConfiguredSoftOrderRunTrainsAndReportsTheOrderings()
    {
        using var files = new ConfigFiles();
        files.Table(rows: 80);
        string path = files.Write("c.json", """
            {
              "name": "tiny-soft",
              "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 1 } },
              "tasks": [
                { "name": "cls", "kind": "classification", "column": "y" },
                { "name": "reg", "kind": "regression", "column": "z", "metric": "rmse" }
              ],
              "model": { "type": "soft-order", "layers": 3, "width": 8, "depth": 2 },
              "methods": { "soft": {} },
              "strategy": { "sampler": "all" },
              "optimizer": { "type": "adam", "learningRate": 0.01 },
              "schedule": { "batchSize": 4, "epochs": 3 }
            }
            """);
        var config = ConfigDocument.Load(path).Resolve("soft", null, files.Dir);
        var spec = Assert.IsType<SoftOrderModelSpec>(config.Model);
        Assert.Equal(3, spec.Layers);
        var plan = ConfigRunBuilder.Build(config, 0);
        var network = Assert.IsType<SoftOrderedNetwork>(((ExpertModel)plan.Model).Network);
        Assert.Equal(2, network.Depth);
        var report = ExperimentRunner.Run(plan, new RunOptions());
        Assert.True(report.Updates > 0);
        Assert.All(report.Tasks, t => Assert.True(double.IsFinite(t.Test)));
        Assert.StartsWith("soft-order: 3 shared layers of 8", plan.Configuration["model"], StringComparison.Ordinal);
        // Training moved the orderings off uniform.
        Assert.Contains(network.Ordering(0).SelectMany(r => r), w => Math.Abs(w - (1.0 / 3)) > 1e-4);
    }
}
