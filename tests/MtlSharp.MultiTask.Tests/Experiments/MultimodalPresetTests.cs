using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.MultiInput;
using MtlSharp.Testing;

namespace MtlSharp.MultiTask.Tests.Experiments;

/// <summary>
/// The multi-input configuration format and the <c>multimodal</c> preset: methods resolve to their models,
/// configuration mistakes are named with their JSON path, and a short run over MNIST, MNIST-rot, EWT (UPOS, genre)
/// and income rows goes end to end through <see cref="ConfigRunBuilder"/> on the real data.
/// </summary>
public sealed class MultimodalPresetTests
{
    private const string Quick = """{ "data": { "limit": { "train": 2000, "evaluation": 300 } }, "schedule": { "rounds": 40, "evaluations": 2 } }""";

    [Fact]
    public void MethodsResolveToTheirCores()
    {
        var doc = BuiltInConfigs.Load("multimodal");
        var gumbel = doc.ResolveWithoutFiles("gumbel", null);
        var data = Assert.IsType<MultiInputSource>(gumbel.Data);
        Assert.Equal(["digits", "sentences", "rows"], data.Inputs.Select(kv => kv.Key));
        Assert.IsType<IdxImageSource>(data.Input("digits"));
        Assert.IsType<EwtSource>(data.Input("sentences"));
        Assert.IsType<CsvSource>(data.Input("rows"));
        Assert.Equal(["digits", "digits", "sentences", "sentences", "rows", "rows"], gumbel.Tasks.Select(t => t.Input));
        var m = Assert.IsType<MultiInputModelSpec>(gumbel.Model);
        Assert.Equal(RouterKind.Gumbel, m.Core!.Router);
        Assert.False(m.SeparateEncoders);
        Assert.Equal([InputEncoderKind.Conv, InputEncoderKind.Tokens, InputEncoderKind.Trigram, InputEncoderKind.Dense], m.Encoders.Select(e => e.Value.Kind));
        var shared = (MultiInputModelSpec)doc.ResolveWithoutFiles("shared", null).Model;
        Assert.Equal(RouterKind.SharedBottom, shared.Core!.Router);
        var separate = (MultiInputModelSpec)doc.ResolveWithoutFiles("separate", null).Model;
        Assert.Equal(RouterKind.SingleTask, separate.Core!.Router);
        Assert.True(separate.SeparateEncoders);
    }

    [Theory]
    [InlineData("""{ "tasks": [ { "name": "digit", "kind": "classification" } ] }""", "tasks[0]", "\"input\"")]
    [InlineData("""{ "tasks": [ { "name": "digit", "input": "pictures", "kind": "classification" } ] }""", "tasks[0].input", "no input 'pictures'")]
    [InlineData("""{ "model": { "encoders": { "digits": { "type": "dense", "filters": null, "kernel": null } } } }""", "tasks[0]", "needs a conv encoder")]
    [InlineData("""{ "model": { "encoders": { "digits": { "type": "dense" } } } }""", "model.encoders.digits.filters", "does not configure a dense encoder")]
    [InlineData("""{ "tasks": [ { "name": "genre", "input": "sentences", "encoder": "bag", "kind": "classification", "column": "genre" } ] }""", "tasks[0].encoder", "no encoder 'bag'")]
    [InlineData("""{ "tasks": [ { "name": "tags", "input": "sentences", "encoder": "trigram", "kind": "sequence-tagging", "column": "upos" } ] }""", "tasks[0].encoder", "needs a tokens encoder")]
    [InlineData("""{ "data": { "inputs": { "sentences": { "trainGenre": "answers" } } } }""", "data.inputs.sentences.trainGenre", "every genre")]
    [InlineData("""{ "model": { "encoders": { "digits": { "buckets": 10 } } } }""", "model.encoders.digits.buckets", "does not configure a conv encoder")]
    [InlineData("""{ "model": { "core": { "router": "fixed" } } }""", "model.core.router", "needs \"allocation\"")]
    [InlineData("""{ "model": { "type": "routed", "encoders": null, "width": null, "core": null, "router": "gumbel", "layers": [ { "type": "mlp", "components": 2, "sizes": [8] } ] }, "methods": null, "defaultMethod": null, "baseline": null }""", "model.type", "go together")]
    [InlineData("""{ "data": { "inputs": { "rows": { "split": { "test": 0.7, "valid": 0.5 } } } } }""", "data.inputs.rows.split", "no training rows")]
    public void MistakesAreNamedWithTheirPath(string patch, string path, string expected)
    {
        var root = JsonNode.Parse(BuiltInConfigs.Text("multimodal"))!.AsObject();
        MergePatch.Apply(root, JsonNode.Parse(patch)!.AsObject());
        var e = Assert.ThrowsAny<Exception>(() => ConfigDocument.Parse(root.ToJsonString(), "multimodal.json").ResolveWithoutFiles(null, null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("multimodal.json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gumbel", 4)]
    [InlineData("shared", 4)]
    [InlineData("separate", 6)]
    public void ShortRunGoesEndToEndOnTheRealData(string method, int encoders)
    {
        var doc = BuiltInConfigs.Load("multimodal");
        var config = doc.Resolve(method, JsonNode.Parse(Quick)!.AsObject(), Fixtures.DatasetsDir);
        var plan = ConfigRunBuilder.Build(config, seed: 0, scale: 1.0);
        var model = Assert.IsType<MultiInputModel>(plan.Model);
        Assert.Equal(encoders, model.Encoders.Count);
        Assert.Equal(encoders == 4 ? [0, 0, 1, 2, 3, 3] : [0, 1, 2, 3, 4, 5], model.TaskEncoder);
        var report = ExperimentRunner.Run(plan, new RunOptions { TensorBoard = false });
        Assert.Equal(["digit", "digit-rot", "UPOS", "genre", "income", "married"], report.Tasks.Select(t => t.Name));
        Assert.All(report.Tasks, t => Assert.InRange(t.Test, 0.0, 1.0));

        // 40 updates of 32 images lift the digit tasks well above chance (0.1), and tagging above the share of the
        // most frequent tag (NOUN, about 0.17).
        Assert.InRange(report.Tasks[0].Test, 0.3, 1.0);
        Assert.InRange(report.Tasks[1].Test, 0.3, 1.0);
        Assert.InRange(report.Tasks[2].Test, 0.2, 1.0);
        if (method == "gumbel")
        {
            var allocation = Assert.Single(report.Allocation!);
            Assert.Equal(6, allocation.Length);
            Assert.All(allocation, row => Assert.Equal(4, row.Length));
        }
    }
}
