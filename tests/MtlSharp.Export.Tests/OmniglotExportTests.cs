using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// The Omniglot network (preset omniglot at its real size: 105×105 drawings, the shared 1×1 conv + GroupNorm(4) +
/// ReLU, 8 routed layers of the 7 component kinds with the preset's strides, a norm stage after each, flatten,
/// dropout, heads) with 8 filters instead of 48 and 3 alphabets, under every router of the preset, exported and run
/// in ONNX Runtime on 8 real Omniglot test drawings (the first alphabet's). Each example's logits agree within 1e-5 of its largest |logit|
/// (not of each logit: 17 stages of GroupNorm amplify float32 rounding — an ulp more on every input pixel moves
/// MtlSharp's own logits by up to ~1e-5, so no two float32 implementations agree closer).
/// </summary>
public sealed class OmniglotExportTests(ITestOutputHelper log)
{
    private static readonly string[] Alphabets = ["Gujarati", "Sylheti", "Arcadian"];

    // Components: 0 conv 3×3→3×3, 1 conv 5×5→5×5, 2 conv 7×7→7×7, 3 conv 1×7→7×1, 4 max-pool 3×3, 5 avg-pool 3×3,
    // 6 identity (a strided 1×1 conv in the strided layers 0, 1, 3, 4 and 6). Rows: tasks.
    private static readonly int[][][] Chosen =
    [
        [[1, 0, 0, 1, 0, 0, 1], [1, 0, 0, 1, 0, 0, 1], [0, 0, 0, 0, 1, 1, 0]],   // 105 → 53; tasks 0 and 1 share; 1, 2 unused
        [[0, 0, 0, 0, 1, 1, 1], [1, 0, 0, 0, 1, 0, 0], [0, 1, 0, 0, 0, 1, 0]],   // 53 → 27; 2, 3 unused
        [[0, 0, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 0, 1], [0, 0, 0, 1, 1, 0, 0]],   // 27; task 0: the identity alone
        [[1, 1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0]],   // 27 → 14
        [[0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 1]],   // 14 → 7 (asymmetric 'same' pads)
        [[1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0, 0], [0, 0, 1, 0, 0, 0, 1]],   // 7
        [[0, 0, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0, 1], [1, 1, 0, 0, 1, 0, 0]],   // 7 → 4
        [[1, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 1, 1, 0, 0, 0]],   // 4
    ];

    [DatasetFact("omniglot")]
    public void GumbelWithItsMaximumLikelihoodAllocationMatchesOnRealTestDrawings()
    {
        var plan = Omniglot("gumbel");
        Assert.True(plan.InvertedImages);   // mtl predict reads PNGs as the drawings were read: ink 1, background 0
        var network = Network(plan);
        Perturb(network, 61);
        Assert.Equal(8, network.RoutedLayers.Count);
        for (int l = 0; l < Chosen.Length; l++)
        {
            Allocate(network.RoutedLayers[l], Chosen[l]);
        }

        var (model, _) = ExportAndCompare(plan, log, rows: 8, perExample: true, sources: 1);
        Assert.Equal(Alphabets, model.Tasks);
        Assert.Equal([1, 105, 105], model.InputShape);
        string[] init = Initializers(model);
        Assert.Contains("stage0.conv0.weight", init);                               // the shared 1×1 conv, no bias
        Assert.DoesNotContain("stage0.conv0.bias", init);
        Assert.Contains("stage1.components.component3.conv1.weight", init);         // 1×7 → 7×1
        Assert.DoesNotContain("stage1.components.component1.conv0.weight", init);   // unallocated
        Assert.DoesNotContain("stage1.components.component2.conv1.weight", init);
        Assert.DoesNotContain("stage3.components.component3.conv0.weight", init);
        Assert.Contains("stage1.components.component6.conv0.bias", init);           // strided identity: biased 1×1 conv
        Assert.DoesNotContain(init, n => n.Contains("component6.norm", StringComparison.Ordinal));
        Assert.DoesNotContain(init, n => n.Contains("logits", StringComparison.Ordinal));
        Assert.Contains("stage2.norm.weight", init);

        // Tasks 0 and 1 share layer 0 (one computation for both); pooling in layers 0, 1, 2, 3, 4, 6, 7.
        Assert.Equal(1, Proto(model).Graph.Node.Count(n => n.OpType == "Conv" && n.Input[1] == "stage1.components.component0.conv0.weight"));
        Assert.True(Count(model, "MaxPool") >= 5);
        Assert.True(Count(model, "AveragePool") >= 5);
        Assert.Contains(Proto(model).Graph.Node, n => n.OpType == "MaxPool" && n.Attribute.Single(a => a.Name == "pads").Ints.SequenceEqual([0L, 0, 1, 1]));
    }

    [DatasetFact("omniglot")]
    public void SharedBottomComputesTheNetworkOnceForEveryTask()
    {
        var plan = Omniglot("shared-bottom");
        Perturb(Network(plan), 62);
        var (model, _) = ExportAndCompare(plan, log, rows: 8, perExample: true, sources: 1);

        // The shared 1×1 conv, and per layer 4 two-op sequences plus the strided identity in the 5 strided layers.
        Assert.Equal(1 + (8 * 8) + 5, Count(model, "Conv"));
        Assert.Equal(1 + (8 * 8) + 8, Count(model, "Reciprocal"));   // the GroupNorms
        Assert.Equal(3, Count(model, "Gemm"));
    }

    [DatasetFact("omniglot")]
    public void SingleTaskKeepsEachNetworkToItsTask()
    {
        var plan = Omniglot("single-task");
        Perturb(Network(plan), 63);
        var (model, _) = ExportAndCompare(plan, log, rows: 8, perExample: true, sources: 1);
        Assert.Equal(3 * (1 + (8 * 8) + 5), Count(model, "Conv"));
        string[] init = Initializers(model);
        Assert.Contains("stage0.components.component2.conv0.weight", init);         // task 2's own shared conv
        Assert.Contains("stage2.components.component1.norm.bias", init);            // task 1's own norm stage
        Assert.Contains("stage13.components.member2.component6.conv0.bias", init);  // task 2's strided identity in layer 6
    }

    [DatasetFact("omniglot")]
    public void MixtureOfExpertsGatesEachExampleAsAtEvaluation()
    {
        var plan = Omniglot("moe");
        var network = Network(plan);
        Perturb(network, 64);
        var rng = new Rng(65);
        foreach (var p in network.Parameters(ParameterRole.Routing))
        {
            Tensor.Uniform(p.Value.Shape, -3f, 3f, rng).Span.CopyTo(p.Data);
        }

        // Layer 1 keeps 6 of 7 components per example. Its task biases are set against the weights' response to the
        // batch's mean summary, so the examples' own differences pick what each leaves out.
        var x = ((SplitEvaluator)plan.Evaluator).Splits[0].Test.InputsRange(0, 8);
        var layer = network.PerExampleLayers[1];
        var weight = layer.Gate.NamedParameters().Single(p => p.Name == "weight").Parameter.Value.ToArray();
        var bias = layer.Gate.NamedParameters().Single(p => p.Name == "taskBias").Parameter;
        for (int t = 0; t < 3; t++)
        {
            float[] mean = Summaries(network, x, t).Mean;
            for (int c = 0; c < 7; c++)
            {
                bias.Data[(t * 7) + c] = -Enumerable.Range(0, 8).Sum(d => weight[(c * 8) + d] * mean[d]);
            }

            var dropped = Summaries(network, x, t).Dropped;
            Assert.True(dropped.Distinct().Count() > 1, $"task {t}: every example drops component {dropped[0]}");
        }

        var (model, _) = ExportAndCompare(plan, log, rows: 8, perExample: true, sources: 1);

        // k = 7, 6, 6, 5, 4, 3, 3, 2: TopK in layers 1 to 7, per task. Every component is in the graph: layer 0's
        // once (its input is the same for every task), the later ones per task.
        Assert.Equal(7 * 3, Count(model, "TopK"));
        Assert.Equal(1 + (7 * 3), Proto(model).Graph.Node.Count(n => n.Name.Contains("/summary/ReduceMean", StringComparison.Ordinal)));
        Assert.Equal(1 + 9 + (3 * (9 + 8 + 9 + 9 + 8 + 9 + 8)), Count(model, "Conv"));
    }

    /// <summary>
    /// The second per-example layer (k = 6 of 7) on <paramref name="x"/> for <paramref name="task"/>: the mean of the
    /// examples' input summaries, and the component each example leaves out.
    /// </summary>
    private static (float[] Mean, int[] Dropped) Summaries(RoutedNetwork network, Tensor x, int task)
    {
        network.Eval();
        using var _ = Autograd.NoGrad();
        var ctx = new RoutingContext(task, false, 1f, new Rng(1));
        var stages = network.Children.Where(c => c.Name.StartsWith("stage", StringComparison.Ordinal)).Select(c => c.Module).ToArray();
        Tensor h = ((Module<Tensor, Tensor>)stages[0]).Forward(x);
        h = ((IRoutedStage)stages[1]).Forward(h, ctx);
        h = ((Module<Tensor, Tensor>)stages[2]).Forward(h);
        var layer = (PerExampleRoutedLayer)stages[3];
        Assert.Equal(6, layer.Gate.K);
        Tensor summary = Ops.GlobalAvgPool(h);
        float[] s = summary.ToArray(), gates = layer.Gate.Forward(summary, task, false, new Rng(1)).ToArray();
        int n = x.Shape[0];
        float[] mean = Enumerable.Range(0, 8).Select(d => Enumerable.Range(0, n).Average(r => s[(r * 8) + d])).ToArray();
        return (mean, Enumerable.Range(0, n).Select(r => Enumerable.Range(0, 7).Single(c => gates[(r * 7) + c] == 0f)).ToArray());
    }

    /// <summary>Preset omniglot with 8 filters (GroupNorm(4) kept) and the alphabets <see cref="Alphabets"/>.</summary>
    private static RunPlan Omniglot(string method)
    {
        var preset = (JsonObject)JsonNode.Parse(BuiltInConfigs.Text("omniglot"))!;
        var layers = preset["model"]!["layers"]!.AsArray();
        foreach (var layer in layers)
        {
            if (layer!["filters"] is not null)
            {
                layer["filters"] = 8;
            }
        }

        var tasks = new JsonArray([.. preset["tasks"]!.AsArray().Where(t => Alphabets.Contains((string)t!["name"]!)).Select(t => t!.DeepClone())]);
        var overrides = new JsonObject { ["tasks"] = tasks, ["model"] = new JsonObject { ["layers"] = layers.DeepClone() } };
        return Preset("omniglot", method, overrides.ToJsonString());
    }
}
