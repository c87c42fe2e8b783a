using MtlSharp.Export.Onnx;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.Tensors;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// Routed models of the presets exported to ONNX and run in ONNX Runtime: every task's output equals MtlSharp's
/// evaluation-mode output; only allocated components (and their weights) are in the graph, each computed once per
/// distinct input.
/// </summary>
public sealed class RoutedExportTests(ITestOutputHelper log)
{
    private const string Small = """{ "data": { "train": 500, "test": 100 } }""";
    private static readonly string[] Clusters = ["cluster0-task0", "cluster0-task1", "cluster1-task2", "cluster1-task3"];

    // Tasks 0 and 1 share components 0 and 1 (one combination for both), task 2 uses 1 and 2, task 3 none (zeros);
    // component 3 is used by no task.
    private static readonly int[][] Mixed = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]];

    [Theory]
    [InlineData("no-sharing", 12, 0)]
    [InlineData("shared-bottom", 12, 1)]
    [InlineData("gumbel", 9, 2)]
    public void SyntheticGumbelMatchesForEveryMethod(string method, int gemms, int sums)
    {
        var plan = Preset("synthetic-gumbel", method, Small);
        var network = Network(plan);
        Perturb(network, 11);
        if (method == "gumbel")
        {
            Allocate(network.RoutedLayers[0], Mixed);
        }

        var (model, _) = ExportAndCompare(plan, log);
        Assert.Equal(Clusters, model.Tasks);
        var proto = Proto(model);
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal("MtlSharp", proto.ProducerName);
        Assert.Equal(17, Assert.Single(proto.OpsetImport).Version);
        var input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal("N", input.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(128, input.Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal(Clusters, proto.Graph.Output.Select(o => o.Name));

        // 128-16-16-1 MLPs: three Gemm per component, each component once however many tasks use it.
        Assert.Equal(gemms, Count(model, "Gemm"));
        Assert.Equal(sums, Count(model, "Sum"));
        string[] init = Initializers(model);
        for (int c = 0; c < 4; c++)
        {
            bool used = method != "gumbel" || c < 3;
            Assert.Equal(used, init.Contains($"stage0.components.weight0.c{c}"));
            Assert.Equal(used, init.Contains($"stage0.components.bias2.c{c}"));
        }

        if (method == "gumbel")
        {
            Assert.Equal((3 * ((128 * 16) + 16 + (16 * 16) + 16 + 16 + 1)), model.WeightCount);
            Assert.DoesNotContain(init, n => n.Contains("logits", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void SumCombinationMatches()
    {
        var plan = Preset("synthetic-gumbel", "gumbel", """{ "data": { "train": 500, "test": 100 }, "model": { "combine": "sum" } }""");
        var network = Network(plan);
        Perturb(network, 12);
        Allocate(network.RoutedLayers[0], Mixed);
        var (model, _) = ExportAndCompare(plan, log);
        Assert.Equal(2, Count(model, "Sum"));
        Assert.Equal(0, Count(model, "Mul"));
    }

    [Fact]
    public void ExportingSomeTasksLeavesOutComponentsOnlyTheOthersUse()
    {
        var plan = Preset("synthetic-gumbel", "gumbel", Small);
        var network = Network(plan);
        Perturb(network, 13);
        Allocate(network.RoutedLayers[0], Mixed);

        var (model, _) = ExportAndCompare(plan, log, tasks: ["cluster1-task2"]);
        Assert.Equal(["cluster1-task2"], model.Tasks);
        string[] init = Initializers(model);
        Assert.DoesNotContain("stage0.components.weight0.c0", init);   // tasks 0 and 1 only
        Assert.Contains("stage0.components.weight0.c1", init);
        Assert.Contains("stage0.components.weight0.c2", init);
        Assert.DoesNotContain("stage0.components.weight0.c3", init);   // nobody
        Assert.Equal(6, Count(model, "Gemm"));

        // A task with no active component: zeros [N, 1], and no weights at all.
        var (empty, _) = ExportAndCompare(plan, log, tasks: ["cluster1-task3"]);
        Assert.Equal(0, empty.WeightCount);
        var x = ((SplitEvaluator)plan.Evaluator).Splits[3].Test.InputsRange(0, 5);
        var (zeros, shape) = Run(empty.ToArray(), empty.InputName, x.ToArray(), x.Shape.ToArray())["cluster1-task3"];
        Assert.Equal([5L, 1L], shape);
        Assert.All(zeros, v => Assert.Equal(0f, v));

        // Outputs follow the model's task order whatever the order asked for.
        var (two, _) = ExportAndCompare(plan, log, rows: 8, tasks: ["cluster1-task2", "cluster0-task0"]);
        Assert.Equal(["cluster0-task0", "cluster1-task2"], two.Tasks);

        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(plan, ["cluster9"]));
        Assert.Contains("Unknown task 'cluster9'; the tasks are: cluster0-task0, cluster0-task1", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(plan, ["cluster0-task0", "cluster0-task0"]));
    }

    [Theory]
    [InlineData("shared-bottom", 0)]
    [InlineData("no-sharing", 2)]
    public void SyntheticTransferGroupOfMlpsWithHeadsMatches(string method, int sums)
    {
        var plan = Preset("synthetic-transfer", method, Small);
        Perturb(Network(plan), 21);
        var (model, _) = ExportAndCompare(plan, log);
        Assert.Equal(["cluster0-task0", "cluster0-task1"], model.Tasks);

        // Two one-layer and two two-layer components (each once) and two heads.
        Assert.Equal(2 + 4 + 2, Count(model, "Gemm"));
        Assert.Equal(method == "shared-bottom" ? 1 : sums, Count(model, "Sum"));
        Assert.Contains("stage0.components.member1.weight1.c1", Initializers(model));
        Assert.Contains("heads.weight1", Initializers(model));
    }

    [DatasetFact("mnist")]
    public void Mnist4ConvPoolingAndHeadsMatchOnRealTestImages()
    {
        var plan = Preset("mnist4", "gumbel");
        Assert.False(plan.InvertedImages);
        var network = Network(plan);
        Perturb(network, 31);
        // Layer 0: tasks 0 and 1 identical (their whole path is shared), component 3 unused.
        Allocate(network.RoutedLayers[0], [[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 0, 0]]);
        // Layer 1: task 3 gets zeros; components 1 and 3 unused.
        Allocate(network.RoutedLayers[1], [[1, 0, 1, 0], [1, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0]]);
        Allocate(network.RoutedLayers[2], [[0, 0, 0, 1], [0, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0]]);

        var (model, _) = ExportAndCompare(plan, log, rows: 32);
        Assert.Equal(["MNIST-1", "MNIST-2", "MNIST-rot-1", "MNIST-rot-2"], model.Tasks);
        Assert.Equal([1, 28, 28], model.InputShape);

        // Convolutions per distinct input: layer 0 {0,1,2} on the images; layer 1 {0,2} on the input shared by tasks
        // 0 and 1 and again on task 2's; layer 2 {1,3} on tasks 0/1's, all four on task 2's, {0} on task 3's zeros.
        Assert.Equal(3 + 4 + 7, Count(model, "Conv"));
        Assert.Equal(6, Count(model, "AveragePool"));
        Assert.Equal(4, Count(model, "Gemm"));
        string[] init = Initializers(model);
        Assert.DoesNotContain("stage0.components.weight.c3", init);
        Assert.DoesNotContain("stage2.components.weight.c1", init);
        Assert.DoesNotContain("stage2.components.weight.c3", init);
        Assert.Contains("stage4.components.weight.c3", init);
        Assert.Equal([4L, 1, 5, 5], Proto(model).Graph.Initializer.Single(i => i.Name == "stage0.components.weight.c1").Dims);

        // The batch size is symbolic: one image works as well as 32.
        var x = ((SplitEvaluator)plan.Evaluator).Splits[2].Test.InputsRange(100, 1);
        var one = Run(model.ToArray(), model.InputName, x.ToArray(), [1, 1, 28, 28]);
        for (int t = 0; t < 4; t++)
        {
            AssertClose(Reference(network, x, t), one[model.Tasks[t]].Data, model.Tasks[t]);
            Assert.Equal([1L, 10L], one[model.Tasks[t]].Shape);
        }
    }

    [DatasetFact("mnist")]
    public void Mnist4SharedBottomMatches()
    {
        var plan = Preset("mnist4", "shared-bottom");
        Perturb(Network(plan), 32);
        var (model, _) = ExportAndCompare(plan, log, rows: 16);
        Assert.Equal(12, Count(model, "Conv"));
        Assert.Equal(3, Count(model, "Sum"));
    }

    [DatasetFact("mnist")]
    public void MultiMnistLeNetWithMaxPoolingAndHeadMlpsMatches()
    {
        var plan = Preset("multimnist", "hard-sharing", """{"data": {"train": 64, "test": 32}}""");
        Perturb(Network(plan), 33);
        var (model, _) = ExportAndCompare(plan, log, rows: 32);
        Assert.Equal(2, Count(model, "Conv"));
        Assert.Equal(2, Count(model, "MaxPool"));
        Assert.Equal(1 + 2 + 2, Count(model, "Gemm"));   // the shared fc 50, then per task hidden 50 and output 10
    }

    [DatasetFact("mnist")]
    public void MultiMnistSingleTaskKeepsEachTrunkToItsTask()
    {
        var plan = Preset("multimnist", "single-task", """{"data": {"train": 64, "test": 32}}""");
        Perturb(Network(plan), 34);
        var (model, _) = ExportAndCompare(plan, log, rows: 16);
        Assert.Equal(4, Count(model, "Conv"));
        Assert.Equal(0, Count(model, "Sum"));
    }
}
