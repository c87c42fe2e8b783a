using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.Tensors;
using MtlSharp.Testing;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// Expert mixtures (MMoE, one-gate MoE, PLE/CGC) of the presets exported to ONNX and run in ONNX Runtime on real test
/// rows: every task's output equals MtlSharp's evaluation-mode output (per-example softmax gates included).
/// </summary>
public sealed class ExpertExportTests(ITestOutputHelper log)
{
    private static RunPlan Plan(string preset, string method, string? overrides = null)
    {
        var o = overrides is null ? null : (JsonObject)JsonNode.Parse(overrides)!;
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load(preset).Resolve(method, o, Fixtures.DatasetsDir), seed: 3);
        Perturb(((ExpertModel)plan.Model).Network, 51);   // biases and gates off their zero initial values
        return plan;
    }

    // Expert Gemms: mmoe 4 experts × 2 layers; ple 2 levels × (2 shared + 2 × 1 task experts) × 1 layer.
    // Gates: mmoe one per task, one-gate-moe one; ple 2 task gates per level and a shared gate between levels.
    [DatasetTheory("income")]
    [InlineData("mmoe", 8, 2, null)]
    [InlineData("one-gate-moe", 8, 1, null)]
    [InlineData("ple", 8, 5, null)]
    [InlineData("mmoe", 8, 2, """{ "data": { "categorical": "embedded" } }""")]
    [InlineData("ple", 8, 5, """{ "data": { "categorical": "embedded" } }""")]
    public void IncomeExpertModelsMatchOnRealRows(string method, int expertGemms, int gates, string? overrides)
    {
        var plan = Plan("income", method, overrides);
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal(gates, Count(model, "Softmax"));
        Assert.Equal(expertGemms + gates + 2, Count(model, "Gemm"));   // + one linear tower per task
        Assert.Equal(overrides is not null, Count(model, "Gather") > 0);
        Assert.Equal(((SplitEvaluator)plan.Evaluator).Splits[0].Test.SampleShape, model.InputShape);
    }

    [DatasetFact("income")]
    public void SoftLayerOrderingMatchesOnRealRows()
    {
        var plan = Plan("income", "soft-order");
        var network = (SoftOrderedNetwork)((ExpertModel)plan.Model).Network;
        var rng = new Rng(61);
        foreach (var (name, p) in network.NamedParameters().Where(p => p.Name.StartsWith("order", StringComparison.Ordinal)))
        {
            Tensor.Uniform(p.Shape, -2f, 2f, rng).Span.CopyTo(p.Data);   // orderings far from uniform
        }

        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        // Encoder, then 3 depths × 3 layers per task, then the towers; the orderings are constants, no Softmax
        // (the depth-0 layers read the same encoder output for both tasks, so the graph computes them once).
        Assert.Equal(1 + ((2 * 3 * 3) - 3) + 2, Count(model, "Gemm"));
        Assert.Equal(0, Count(model, "Softmax"));
    }

    [DatasetFact("income")]
    public void CrossStitchMatchesOnRealRows()
    {
        var plan = Plan("income", "cross-stitch");
        var network = (CrossStitchNetwork)((ExpertModel)plan.Model).Network;
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.True(network.Alpha(1)[0, 1] != 0.1f, "the stitches were perturbed off their initial values");
        Assert.Equal((2 * 2) + 2, Count(model, "Gemm"));   // 2 layers × 2 columns, then the towers

        // One task exported still needs the other task's column (its stitches read it).
        var (one, _) = ExportAndCompare(plan, log, rows: 32, tasks: ["married"]);
        Assert.Equal((2 * 2) + 1, Count(one, "Gemm"));
    }

    [DatasetFact("income")]
    public void ChannelWiseCrossStitchMatchesOnRealRows()
    {
        var plan = Plan("income", "cross-stitch", """{ "model": { "channelWise": true } }""");
        var network = (CrossStitchNetwork)((ExpertModel)plan.Model).Network;
        Assert.True(network.ChannelWise);
        Assert.True(network.Alpha(0, 0)[0, 1] != network.Alpha(0, 1)[0, 1], "the units' stitches were perturbed differently");
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal((2 * 2) + 2, Count(model, "Gemm"));
        Assert.Equal(2 * 2 * 2, Count(model, "Mul"));   // per layer and target task, one per-unit product per source task
        Assert.Equal(0, Count(model, "ReduceSum"));   // not the shared α's stacked mixture

        var (one, _) = ExportAndCompare(plan, log, rows: 32, tasks: ["income"]);
        Assert.Equal((2 * 2) + 1, Count(one, "Gemm"));
    }

    [DatasetFact("income")]
    public void TaskConditionedNetworkMatchesOnRealRows()
    {
        var plan = Plan("income", "film");   // Perturb moves the generators off zero: the tasks' modulations differ
        var network = (TaskConditionedNetwork)((ExpertModel)plan.Model).Network;
        Assert.NotEqual(network.Modulation(0, 0).Scale, network.Modulation(1, 0).Scale);
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        // 2 layers per task (the first layer's x Wᵀ + b is the same node for both tasks), then the towers.
        Assert.Equal((2 * 2) - 1 + 2, Count(model, "Gemm"));
    }

    [DatasetFact("income")]
    public void DSelectGatesMatchOnRealRows()
    {
        foreach (int experts in new[] { 4, 3 })   // a power of two, and not (codes beyond the experts are dropped)
        {
            var plan = Plan("income", "dselect-k", $$"""{ "model": { "experts": {{experts}} } }""");
            var network = (MixtureOfExperts)((ExpertModel)plan.Model).Network;
            Assert.True(network.DSelect);
            var (model, _) = ExportAndCompare(plan, log, rows: 128);
            Assert.Equal(["income", "married"], model.Tasks);
            Assert.Equal(2, Count(model, "Clip"));   // one DSelect-k gate per task
            Assert.Equal(2, Count(model, "Softmax"));   // the selectors' mixing weights
        }
    }

    [DatasetFact("income")]
    public void AdaShareExportsItsFixedPolicyOnly()
    {
        var plan = Plan("income", "adashare");
        var network = (AdaShareNetwork)((ExpertModel)plan.Model).Network;
        // income executes blocks 0, 1, 3; married executes 1 and 2 (select logit above or below skip's).
        float[][] logits = [[1, 0, 1, 0, -1, 0, 1, 0], [-1, 0, 1, 0, 1, 0, -1, 0]];
        for (int t = 0; t < 2; t++)
        {
            logits[t].CopyTo(network.Policy(t).Data);
        }

        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal(1 + (2 * (3 + 2)) + 2, Count(model, "Gemm"));   // encoder, 2 Gemms per executed block, towers
        Assert.Equal(5, Count(model, "Add"));
    }

    [DatasetFact("income")]
    public void BranchedNetworkExportsItsFinalTree()
    {
        var plan = Plan("income", "branching");   // nodes [1, 2, 2]
        var network = (BranchedNetwork)((ExpertModel)plan.Model).Network;
        float[] parents = [0, 1, 0, 1];   // both layer-2 nodes read node 1 of layer 1
        parents.CopyTo(network.Parents(2).Data);
        float[] leaves = [1, 0, 0, 1];   // income reads node 0, married node 1
        leaves.CopyTo(network.Leaves.Data);
        Assert.Equal(new[] { new[] { 0, 1, 0 }, new[] { 0, 1, 1 } }, network.Paths());
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal(4 + 2, Count(model, "Gemm"));   // root, the shared layer-1 node, two leaves; then the towers
    }

    [DatasetFact("income")]
    public void SluiceMatchesOnRealRows()
    {
        var plan = Plan("income", "sluice");   // Perturb moves α and β off their initial values
        var network = (SluiceNetwork)((ExpertModel)plan.Model).Network;
        Assert.Equal(2, network.Subspaces);
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal(2 * 2, Count(model, "MatMul"));   // one α unit per layer and target task
        Assert.Equal((2 * 2) + 2, Count(model, "Gemm"));
    }

    [DatasetFact("income")]
    public void TaskAttentionMatchesOnRealRows()
    {
        var plan = Plan("income", "mtan");
        var network = (TaskAttentionNetwork)((ExpertModel)plan.Model).Network;
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        // Shared: 2 layers once; per task: 2 attention Gemms per layer and the bridge F_1; then the towers.
        Assert.Equal(2 + (2 * ((2 * 2) + 1)) + 2, Count(model, "Gemm"));
        Assert.Equal(2 * network.Layers, Count(model, "Sigmoid"));
    }

    [DatasetFact("yeast")]
    public void YeastMmoeAndPleMatchForFourteenTasks()
    {
        foreach (string method in new[] { "mmoe", "ple" })
        {
            // Every task reads the same rows: one ONNX Runtime pass on 64 test rows checks all 14 outputs.
            var plan = Plan("yeast", method);
            var model = OnnxExporter.Export(plan);
            Assert.Equal(14, model.Tasks.Count);
            var x = ((SplitEvaluator)plan.Evaluator).Splits[0].Test.InputsRange(0, 64);
            var outputs = Run(model.ToArray(), model.InputName, x.ToArray(), x.Shape.ToArray());
            double max = 0;
            for (int t = 0; t < 14; t++)
            {
                max = Math.Max(max, AssertClose(Reference(plan, x, t), outputs[model.Tasks[t]].Data, model.Tasks[t]));
            }

            log.WriteLine($"yeast/{method}: {model.NodeCount} nodes; max |ONNX - MtlSharp| = {max:G3}");
        }
    }

    [DatasetFact("income")]
    public void ExportingOneTaskOfPleKeepsTheInnerLevelsOfEveryTask()
    {
        var plan = Plan("income", "ple");
        var (model, _) = ExportAndCompare(plan, log, rows: 32, tasks: ["married"]);
        Assert.Equal(["married"], model.Tasks);
        string[] init = Initializers(model);
        Assert.Contains(init, n => n.StartsWith("level0.task0.", StringComparison.Ordinal));   // the shared gate mixes task 0's level-0 experts
        Assert.DoesNotContain(init, n => n.StartsWith("level1.task0.", StringComparison.Ordinal) || n.StartsWith("level1.gate0.", StringComparison.Ordinal));
        Assert.DoesNotContain(init, n => n.Contains("towers.weight0", StringComparison.Ordinal));
    }

    [DatasetFact("income")]
    public void OneGateMixtureComputesItsGateOnce()
    {
        var plan = Plan("income", "one-gate-moe");
        var (model, _) = ExportAndCompare(plan, log, rows: 16);
        Assert.Equal(1, Count(model, "Softmax"));
        Assert.Equal(1, Count(model, "ReduceSum"));
    }
}
