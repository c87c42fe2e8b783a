using MtlSharp.Testing;
using System.Text.Json.Nodes;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Strategies.Sampling;

namespace MtlSharp.MultiTask.Tests.Configuration;

public sealed class ConfigDocumentTests
{
    private static InvalidDataException Rejects(string text) =>
        Assert.Throws<InvalidDataException>(() => ConfigDocument.Parse(text, "my.json"));

    [Fact]
    public void AValidConfigurationResolvesEveryMethodWithItsPatch()
    {
        using var f = new ConfigFiles();
        f.Table();
        var doc = ConfigDocument.Parse(ConfigFiles.Config(), "my.json");
        Assert.Equal(["no-sharing", "shared", "gumbel"], doc.Methods);
        Assert.Equal("no-sharing", doc.DefaultMethod);
        Assert.Equal("no-sharing", doc.Baseline);
        var shared = doc.Resolve("shared", null, f.Dir);
        Assert.Equal(RouterKind.SharedBottom, ((RoutedModelSpec)shared.Model).Router);
        Assert.Equal(RouterKind.Gumbel, ((RoutedModelSpec)doc.Resolve("gumbel", null, f.Dir).Model).Router);
        Assert.Equal(Path.Combine(f.Dir, "t.csv"), ((CsvSource)shared.Data).Path);
        Assert.Equal(MetricKind.Rmse, shared.Tasks[1].Metric);
        Assert.Equal(TaskKind.Regression, shared.Tasks[1].Kind);
        Assert.Equal(0.01f, shared.Optimizer.LearningRate);
        Assert.Equal(3, shared.Schedule.Epochs);
    }

    [Fact]
    public void OverridesApplyAfterTheMethodPatch()
    {
        using var f = new ConfigFiles();
        f.Table();
        var doc = ConfigDocument.Parse(ConfigFiles.Config(), "my.json");
        var c = doc.Resolve("shared", new JsonObject { ["strategy"] = new JsonObject { ["sampler"] = "uniform" }, ["model"] = new JsonObject { ["combine"] = "sum" } }, f.Dir);
        Assert.Equal(SamplerKind.Uniform, c.Strategy.Sampler);
        var m = (RoutedModelSpec)c.Model;
        Assert.Equal(RouterKind.SharedBottom, m.Router);
        Assert.Equal(MtlSharp.MultiTask.Models.Routing.CombineMode.Sum, m.Combine);
        var bad = Assert.Throws<InvalidDataException>(() => doc.Resolve("shared", new JsonObject { ["strategy"] = new JsonObject { ["sampler"] = "nope" } }, f.Dir));
        Assert.Contains("strategy.sampler", bad.Message, StringComparison.Ordinal);
        Assert.Contains("command-line", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"kind\": \"classification\"", "\"kind\": \"classifcation\"", "tasks[0].kind: 'classifcation' is not one of: classification, multi-label, regression, sequence-tagging")]
    [InlineData("\"column\": \"y\"", "\"colum\": \"y\"", "tasks[0].colum: unknown key \"colum\"; expected one of:")]
    [InlineData("\"components\": 2", "\"components\": \"2\"", "model.layers[0].components: expected an integer, got '2'")]
    [InlineData("\"learningRate\": 0.01", "\"learningRate\": -1", "optimizer.learningRate: expected a number > 0, got -1")]
    [InlineData("\"batchSize\": 4", "\"batchSize\": 4.5", "schedule.batchSize: expected an integer")]
    [InlineData("\"type\": \"mlp\"", "\"type\": \"lstm\"", "model.layers[0].type: 'lstm' is not one of: mlp, conv, group, avgpool, maxpool")]
    [InlineData("\"name\": \"tiny\",", "", "missing required key \"name\"")]
    public void SchemaViolationsNameTheFileLineKeyAndExpectation(string from, string to, string expected)
    {
        string text = ConfigFiles.Config();
        Assert.Contains(from, text, StringComparison.Ordinal);
        var e = Rejects(text.Replace(from, to, StringComparison.Ordinal));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("my.json:", e.Message, StringComparison.Ordinal);
        string[] lines = text.Replace(from, to, StringComparison.Ordinal).Split('\n');
        int line = int.Parse(e.Message.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        if (to.Length > 0)
        {
            Assert.Contains(to.Split(':')[0], lines[line - 1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryViolationIsReportedAtOnce()
    {
        string text = ConfigFiles.Config().Replace("\"kind\": \"classification\"", "\"kind\": 5", StringComparison.Ordinal)
            .Replace("\"epochs\": 3", "\"epochs\": 0", StringComparison.Ordinal);
        var e = Rejects(text);
        Assert.Contains("tasks[0].kind: 5 is not one of: classification", e.Message, StringComparison.Ordinal);
        Assert.Contains("schedule.epochs: expected a number ≥ 1, got 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJsonNamesTheLine()
    {
        var e = Rejects("{\n  \"name\": \"x\",\n  \"data\": { ]\n}");
        Assert.StartsWith("my.json:3: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"metric\": \"rmse\"", "\"metric\": \"accuracy\"", "tasks[1].metric: a regression task is scored by one of: mse, rmse, mae; not accuracy")]
    [InlineData("\"metric\": \"rmse\"", "\"metric\": \"rmse\", \"direction\": \"higher\"", "tasks[1].direction: rmse is better when lower")]
    [InlineData("\"metric\": \"rmse\"", "\"metric\": \"rmse\", \"loss\": \"cross-entropy\"", "tasks[1].loss: a regression task is trained with mse, not cross-entropy")]
    [InlineData("\"name\": \"reg\"", "\"name\": \"cls\"", "tasks[1].name: task name 'cls' is used twice")]
    [InlineData("\"column\": \"y\"", "\"columns\": [\"y\"]", "tasks[0]: a classification task names its label column in \"column\"")]
    [InlineData("\"baseline\": \"no-sharing\"", "\"baseline\": \"nope\"", "baseline: 'nope' is not one of the methods")]
    [InlineData("\"shared-bottom\" } }", "\"fixed\" } }", "model.router: router \"fixed\" needs \"allocation\"")]
    public void SemanticErrorsNameTheKey(string from, string to, string expected)
    {
        string text = ConfigFiles.Config();
        Assert.Contains(from, text, StringComparison.Ordinal);
        var e = Rejects(text.Replace(from, to, StringComparison.Ordinal));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("my.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingDataFileIsNamedWithTheDataDirectory()
    {
        var doc = ConfigDocument.Parse(ConfigFiles.Config(), "my.json");
        var e = Assert.Throws<InvalidDataException>(() => doc.Resolve(null, null, "/nonexistent-dir"));
        Assert.Contains("data.path: file '/nonexistent-dir/t.csv' does not exist (relative paths resolve against --data)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMethodsAreRejected()
    {
        var doc = ConfigDocument.Parse(ConfigFiles.Config(), "my.json");
        var e = Assert.Throws<ArgumentException>(() => doc.Resolve("nope", null, null));
        Assert.Contains("no method 'nope'; the methods are: no-sharing, shared, gumbel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergePatchFollowsRfc7386()
    {
        var target = (JsonObject)JsonNode.Parse("""{"a": {"b": 1, "c": 2}, "d": [1, 2], "e": 3}""")!;
        MergePatch.Apply(target, JsonNode.Parse("""{"a": {"b": null, "x": 5}, "d": [9], "e": null, "f": {"g": 1}}"""));
        Assert.Equal("""{"a":{"c":2,"x":5},"d":[9],"f":{"g":1}}""", target.ToJsonString());
    }

    [Fact]
    public void EveryBuiltInConfigurationIsValidForEveryMethod()
    {
        foreach (string name in BuiltInConfigs.Names)
        {
            var doc = BuiltInConfigs.Load(name);
            Assert.Equal(name, doc.Name);
            Assert.NotEmpty(doc.Methods);
            Assert.NotNull(doc.Baseline);
            foreach (string m in doc.Methods)
            {
                var c = doc.Resolve(m, null, Fixtures.DatasetsDir);
                Assert.Equal(m, c.Method);
                Assert.NotEmpty(c.Tasks);
            }
        }
    }

    [Fact]
    public void TheSchemaFileInTheRepositoryIsTheOneValidatingAndItsDefinitionsAreAllUsed()
    {
        string file = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "src", "MtlSharp.MultiTask", "Configuration", "mtl-config.schema.json"));
        Assert.Equal(file, ConfigDocument.SchemaText);
        var schema = JsonNode.Parse(file)!.AsObject();
        foreach (var (def, _) in schema["$defs"]!.AsObject())
        {
            Assert.Contains($"\"#/$defs/{def}\"", file, StringComparison.Ordinal);
        }
    }
}
