using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Experts;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>
/// The conv cross-stitch and sluice networks on MultiMNIST's LeNet columns, exported to ONNX and run in ONNX Runtime
/// on real MultiMNIST test images: every task's output equals MtlSharp's within <see cref="OnnxHarness.Tolerance"/>.
/// </summary>
public sealed class ConvStitchExportTests(ITestOutputHelper log)
{
    private const string Columns = """
        "layers": [ { "type": "conv", "filters": 10, "kernel": 5 }, { "type": "maxpool", "kernel": 2 }, { "type": "conv", "filters": 20, "kernel": 5 },
          { "type": "maxpool", "kernel": 2 }, { "type": "mlp", "sizes": [50] }, { "type": "mlp", "sizes": [50] } ],
        "router": null, "combine": null, "heads": null, "headSizes": null
        """;

    private static RunPlan Plan(string model)
    {
        var plan = Preset("multimnist", "hard-sharing", $$"""{ "data": { "train": 64, "test": 32 }, "model": {{model}} }""");
        Perturb(((ExpertModel)plan.Model).Network, 71);   // α, β and biases off their initial values
        return plan;
    }

    [DatasetFact("mnist")]
    public void ConvCrossStitchMatchesOnRealImages()
    {
        var plan = Plan($$"""{ "type": "cross-stitch", {{Columns}} }""");
        var network = Assert.IsType<ConvCrossStitchNetwork>(((ExpertModel)plan.Model).Network);
        Assert.Equal(4, network.Units);   // after each pool and each mlp
        var (model, _) = ExportAndCompare(plan, log, rows: 32);
        Assert.Equal(["digit-up-left", "digit-down-right"], model.Tasks);
        Assert.Equal(2 * 2, Count(model, "Conv"));   // 2 conv stages × 2 columns
        Assert.Equal(2 * 2, Count(model, "MaxPool"));
        Assert.Equal((2 * 2) + 2, Count(model, "Gemm"));   // 2 mlp stages × 2 columns, then the towers
        Assert.Equal(4 * 2 * 2, Count(model, "Mul"));   // per unit and target task, one term per source task

        // One task exported still needs the other task's column (its units read it).
        var (one, _) = ExportAndCompare(plan, log, rows: 16, tasks: ["digit-down-right"]);
        Assert.Equal(2 * 2, Count(one, "Conv"));
    }

    [DatasetFact("mnist")]
    public void ChannelWiseConvCrossStitchMatchesOnRealImages()
    {
        var plan = Plan($$"""{ "type": "cross-stitch", "channelWise": true, {{Columns}} }""");
        var network = Assert.IsType<ConvCrossStitchNetwork>(((ExpertModel)plan.Model).Network);
        Assert.True(network.ChannelWise);
        var alpha = network.Alpha(0);
        Assert.Equal(10 * 2 * 2, alpha.Length);   // after the first pool: one α per map
        Assert.NotEqual(alpha.Data[..4].ToArray(), alpha.Data.Slice(4, 4).ToArray());   // perturbed: the channels' α differ
        var (model, _) = ExportAndCompare(plan, log, rows: 32);
        Assert.Equal(["digit-up-left", "digit-down-right"], model.Tasks);
        Assert.Equal(2 * 2, Count(model, "Conv"));
        Assert.Equal(4 * 2 * 2, Count(model, "Mul"));   // per unit and target task, one per-channel product per source task
        Assert.Equal(4 * 2, Count(model, "Sum"));

        var (one, _) = ExportAndCompare(plan, log, rows: 16, tasks: ["digit-up-left"]);
        Assert.Equal(2 * 2, Count(one, "Conv"));
    }

    [DatasetFact("mnist")]
    public void ConvSluiceMatchesOnRealImages()
    {
        var plan = Plan($$"""{ "type": "sluice", "subspaces": 2, {{Columns}} }""");
        var network = Assert.IsType<ConvSluiceNetwork>(((ExpertModel)plan.Model).Network);
        Assert.Equal(2, network.MixedUnits);   // β over the two mlp layers of width 50
        var (model, _) = ExportAndCompare(plan, log, rows: 32);
        Assert.Equal(["digit-up-left", "digit-down-right"], model.Tasks);
        Assert.Equal(2 * 2, Count(model, "Conv"));
        Assert.Equal(4 * 2 * 2, Count(model, "Slice"));   // per unit: each task's 2 channel groups
        Assert.Equal(4 * 2, Count(model, "Concat"));   // per unit and target task: its 2 mixed groups
        Assert.Equal((4 * 2 * 2 * 4) + (2 * 2), Count(model, "Mul"));   // per unit, target (task, group), source (task, group); β
        Assert.Equal(2, Count(model, "Add"));   // each task's β mixture of 2 layers
    }
}
