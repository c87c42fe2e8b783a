using System.Globalization;
using System.Text.Json.Nodes;
using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.Tensors;
using MtlSharp.Testing;
using Xunit.Abstractions;
using static MtlSharp.Export.Tests.OnnxHarness;

namespace MtlSharp.Export.Tests;

/// <summary>Tabular runs with embedded categorical columns (the EmbeddedInput stage) exported and checked in ONNX Runtime.</summary>
public sealed class TabularExportTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mtl-onnx-tab-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// 60 rows: numeric x and u, categorical c (a/b/c, some missing) and d (p/q), a class label y, a regression
    /// target z and two 0/1 labels m1, m2.
    /// </summary>
    private string Table()
    {
        var ci = CultureInfo.InvariantCulture;
        var lines = new List<string> { "x,u,c,d,y,z,m1,m2" };
        for (int i = 0; i < 60; i++)
        {
            double x = (i % 10) - 4.5, u = (i * 7 % 13) / 3.0;
            string c = i % 7 == 0 ? "" : ((char)('a' + (i % 3))).ToString();
            string d = i % 2 == 0 ? "p" : "q";
            lines.Add(string.Create(ci, $"{x},{u:F3},{c},{d},{(x + u > 1 ? "hi" : "lo")},{(2 * x) - u},{i % 2},{(i / 3) % 2}"));
        }

        File.WriteAllText(Path.Combine(_dir, "t.csv"), string.Join("\n", lines) + "\n");
        return """
        {
          "name": "tiny-embedded",
          "data": { "type": "csv", "path": "t.csv", "categorical": "embedded", "embeddingSize": 3, "split": { "test": 0.25, "valid": 0.1, "seed": 1 } },
          "tasks": [
            { "name": "y", "kind": "classification", "column": "y" },
            { "name": "z", "kind": "regression", "column": "z", "metric": "rmse" },
            { "name": "m", "kind": "multi-label", "columns": ["m1", "m2"] }
          ],
          "model": { "type": "routed", "router": "gumbel", "layers": [ { "type": "mlp", "components": 4, "sizes": [8] }, { "type": "mlp", "components": 3, "sizes": [6, 5] } ], "heads": true },
          "methods": { "gumbel": {} },
          "optimizer": { "type": "adam", "learningRate": 0.01 },
          "schedule": { "batchSize": 8, "epochs": 2 }
        }
        """;
    }

    [Fact]
    public void EmbeddedCategoricalInputsMatchIncludingUnseenAndInvalidCodes()
    {
        var config = ConfigDocument.Parse(Table(), Path.Combine(_dir, "c.json")).Resolve("gumbel", null, _dir);
        var plan = ConfigRunBuilder.Build(config, seed: 4);
        var network = Network(plan);
        var embedded = Assert.IsType<EmbeddedInput>(network.Children[0].Module);
        Assert.Equal(2, embedded.NamedParameters().Count);   // one table per categorical column
        Perturb(network, 41);
        Allocate(network.RoutedLayers[0], [[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 1, 0]]);
        Allocate(network.RoutedLayers[1], [[1, 1, 0], [0, 1, 0], [1, 0, 1]]);

        var (model, _) = ExportAndCompare(plan, log);
        Assert.Equal(["y", "z", "m"], model.Tasks);
        Assert.Equal(TaskKind.MultiLabel, plan.Data.Tasks[2].Kind);
        Assert.Contains("stage0.table0", Initializers(model));
        Assert.DoesNotContain("stage1.components.weight0.c3", Initializers(model));
        Assert.Equal(1, Count(model, "Concat"));

        // Hand-made rows: valid codes, 0 (missing), codes past the table, negative, fractional, NaN and huge codes
        // all go through the same clamping as MtlSharp's (anything outside [0, levels) is row 0).
        int width = model.InputShape[0];
        int dense = width - 2;
        float[][] codes = [[1, 2], [0, 0], [3, 1], [9, 2], [-1, 1], [1.7f, 2.2f], [float.NaN, 1], [1e10f, -1e10f], [2, 5]];
        var rows = new float[codes.Length * width];
        for (int r = 0; r < codes.Length; r++)
        {
            for (int j = 0; j < dense; j++)
            {
                rows[(r * width) + j] = (r - j) * 0.37f;
            }

            rows[(r * width) + dense] = codes[r][0];
            rows[(r * width) + dense + 1] = codes[r][1];
        }

        var x = Tensor.FromArray(rows, codes.Length, width);
        var outputs = Run(model.ToArray(), model.InputName, rows, [codes.Length, width]);
        double max = 0;
        for (int t = 0; t < 3; t++)
        {
            max = Math.Max(max, AssertClose(Reference(network, x, t), outputs[model.Tasks[t]].Data, model.Tasks[t]));
        }

        log.WriteLine($"hand-made code rows: max |ONNX - MtlSharp| = {max:G3}");
    }

    [DatasetFact("income")]
    public void IncomeWithEmbeddedCategoriesMatchesOnRealRows()
    {
        var overrides = (JsonObject)JsonNode.Parse("""{ "data": { "categorical": "embedded" } }""")!;
        var plan = ConfigRunBuilder.Build(BuiltInConfigs.Load("income").Resolve("gumbel", overrides, Fixtures.DatasetsDir), seed: 0);
        var network = Network(plan);
        Assert.IsType<EmbeddedInput>(network.Children[0].Module);
        Perturb(network, 42);
        Allocate(network.RoutedLayers[0], [[1, 1, 0, 1], [0, 1, 1, 0]]);
        Allocate(network.RoutedLayers[1], [[0, 0, 1, 0], [1, 0, 1, 1]]);
        var (model, _) = ExportAndCompare(plan, log, rows: 128);
        Assert.Equal(["income", "married"], model.Tasks);
        Assert.Equal(1, Count(model, "Concat"));
        Assert.Equal(((SplitEvaluator)plan.Evaluator).Splits[0].Test.SampleShape, model.InputShape);
    }
}
