using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Models.Experts;

namespace MtlSharp.MultiTask.Tests.Configuration;

/// <summary>Cross-stitch and sluice models with conv columns (<c>model.layers</c>): what the reader accepts and refuses.</summary>
public sealed class ConvStitchConfigTests
{
    private const string LeNet = """
        [ { "type": "conv", "filters": 10, "kernel": 5 }, { "type": "maxpool", "kernel": 2 }, { "type": "conv", "filters": 20, "kernel": 5 },
          { "type": "maxpool", "kernel": 2 }, { "type": "mlp", "sizes": [50] } ]
        """;

    private static RunConfig Read(string model) => ConfigDocument.Parse($$"""
        {
          "name": "mm",
          "data": { "type": "multi-mnist", "path": "mnist" },
          "tasks": [ { "name": "a", "kind": "classification", "column": "up-left" }, { "name": "b", "kind": "classification", "column": "down-right" } ],
          "model": {{model}}
        }
        """, "mm.json").ResolveWithoutFiles(null, null);

    [Fact]
    public void LayersGiveConvColumnsToBothModels()
    {
        var cs = Assert.IsType<CrossStitchModelSpec>(Read($$"""{ "type": "cross-stitch", "layers": {{LeNet}}, "towerSizes": [50] }""").Model);
        Assert.Equal(5, cs.Layers!.Count);
        Assert.Equal(new ConvLayerSpec(1, 20, 5), cs.Layers[2]);
        Assert.Equal(new PoolLayerSpec(2, 2, PoolingKind.Max), cs.Layers[3]);
        Assert.Empty(cs.ExpertSizes);
        var sl = Assert.IsType<SluiceModelSpec>(Read($$"""{ "type": "sluice", "layers": {{LeNet}}, "subspaces": 2, "layerMixing": false }""").Model);
        Assert.Equal(2, sl.Subspaces);
        Assert.IsType<MlpLayerSpec>(sl.Layers![4]);
        Assert.Null(Assert.IsType<SluiceModelSpec>(Read("""{ "type": "sluice", "sizes": [8, 8] }""").Model).Layers);   // dense columns as before
    }

    [Fact]
    public void ChannelWiseIsACrossStitchOptionForBothColumnKinds()
    {
        Assert.False(Assert.IsType<CrossStitchModelSpec>(Read($$"""{ "type": "cross-stitch", "layers": {{LeNet}} }""").Model).ChannelWise);   // default: one α per unit
        Assert.True(Assert.IsType<CrossStitchModelSpec>(Read($$"""{ "type": "cross-stitch", "layers": {{LeNet}}, "channelWise": true }""").Model).ChannelWise);
        Assert.True(Assert.IsType<CrossStitchModelSpec>(Read("""{ "type": "cross-stitch", "sizes": [8, 4], "channelWise": true }""").Model).ChannelWise);
        Assert.False(Assert.IsType<CrossStitchModelSpec>(Read("""{ "type": "cross-stitch", "sizes": [8], "channelWise": false }""").Model).ChannelWise);
    }

    [Theory]
    [InlineData("""{ "type": "sluice", "sizes": [8, 8], "channelWise": true }""", "model.channelWise")]   // only cross-stitch has it
    [InlineData("""{ "type": "mmoe", "experts": 2, "expertSizes": [8], "channelWise": true }""", "model.channelWise")]
    [InlineData("""{ "type": "cross-stitch", "sizes": [8], "channelWise": 1 }""", "model.channelWise")]
    public void ChannelWiseElsewhereOrNotABooleanIsRefused(string model, string path)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(model));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChannelWiseDenseCrossStitchBuildsOneAlphaPerUnit()
    {
        using var files = new ConfigFiles();
        files.Table();
        int Parameters(string channelWise)
        {
            string path = files.Write("c.json", $$"""
                {
                  "name": "flat",
                  "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "seed": 1 } },
                  "tasks": [ { "name": "cls", "kind": "classification", "column": "y" }, { "name": "reg", "kind": "regression", "column": "z", "metric": "rmse" } ],
                  "model": { "type": "cross-stitch", "sizes": [8, 4]{{channelWise}} }
                }
                """);
            var plan = ConfigRunBuilder.Build(ConfigDocument.Load(path).Resolve(null, null, files.Dir), seed: 0);
            var network = Assert.IsType<CrossStitchNetwork>(((ExpertModel)plan.Model).Network);
            Assert.Equal(channelWise.Length > 0, network.ChannelWise);
            Assert.Equal(channelWise.Length > 0, plan.Configuration["model"].Contains("one α per unit", StringComparison.Ordinal));
            return int.Parse(plan.Configuration["parameters"], System.Globalization.CultureInfo.InvariantCulture);
        }

        // Two tasks: α [T, T] per layer, or [width, T, T]: (8 + 4) · 4 − 2 · 4 more.
        Assert.Equal((12 * 4) - (2 * 4), Parameters(""", "channelWise": true""") - Parameters(""));
    }

    [Theory]
    [InlineData("""{ "type": "cross-stitch", "sizes": [8], "layers": [ { "type": "conv", "filters": 2, "kernel": 3 } ] }""", "not both")]
    [InlineData("""{ "type": "sluice" }""", "either \"sizes\" (dense columns) or \"layers\"")]
    [InlineData("""{ "type": "sluice", "layers": [ { "type": "avgpool", "kernel": 2 } ] }""", "model.layers[0]")]
    [InlineData("""{ "type": "cross-stitch", "layers": [ { "type": "conv", "components": 2, "filters": 2, "kernel": 3 } ] }""", "model.layers[0].components")]
    [InlineData("""{ "type": "cross-stitch", "layers": [ { "type": "maxpool", "kernel": 2 } ] }""", "at least one conv or mlp layer")]
    public void BadColumnsAreRefusedWithTheirPath(string model, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Read(model));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConvColumnsOnFlatDataAreRefusedClearly()
    {
        using var files = new ConfigFiles();
        files.Table(rows: 20, missingBelow: 0);
        string path = files.Write("c.json", """
            {
              "name": "flat",
              "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "seed": 1 } },
              "tasks": [ { "name": "cls", "kind": "classification", "column": "y" } ],
              "model": { "type": "cross-stitch", "layers": [ { "type": "conv", "filters": 2, "kernel": 3 } ] }
            }
            """);
        var config = ConfigDocument.Load(path).Resolve(null, null, files.Dir);
        var e = Assert.Throws<ArgumentException>(() => ConfigRunBuilder.Build(config, seed: 0));
        Assert.Contains("conv columns read image data", e.Message, StringComparison.Ordinal);
    }
}
