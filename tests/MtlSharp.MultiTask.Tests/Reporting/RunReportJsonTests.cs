using System.Text.Json;
using MtlSharp.MultiTask.Reporting;

namespace MtlSharp.MultiTask.Tests.Reporting;

public sealed class RunReportJsonTests
{
    [Fact]
    public void RoundTrip_PreservesEverything()
    {
        var report = SampleReports.Create(tasks: 3, layers: 2, components: 3, points: 50, snapshots: 5,
            firstTaskName: "<b>&\"'é\u0001");
        string json = RunReportJson.Serialize(report);
        var back = RunReportJson.Deserialize(json);

        Assert.Equal(json, RunReportJson.Serialize(back));
        Assert.Equal(report.Preset, back.Preset);
        Assert.Equal(report.Seed, back.Seed);
        Assert.Equal(report.Tasks, back.Tasks); // TaskResult is a record of scalars: value equality
        Assert.Equal(report.MeanTest, back.MeanTest);
        Assert.Equal(report.Allocation![1][2], back.Allocation![1][2]);
        Assert.Equal(report.LossCurves[2].Y, back.LossCurves[2].Y);
        Assert.Equal(report.AllocationHistory[1].Probabilities[4][2], back.AllocationHistory[1].Probabilities[4][2]);
        Assert.Equal(report.Matrices[0].Values[1], back.Matrices[0].Values[1]);
        Assert.Equal(report.Environment["config"], back.Environment["config"]);
        Assert.Equal(report.Clusters![0], back.Clusters![0]);
    }

    [Fact]
    public void Json_UsesCamelCaseFieldNames_AndIsIndented()
    {
        string json = RunReportJson.Serialize(SampleReports.Create(tasks: 2, layers: 1, components: 2, points: 10, snapshots: 3));
        Assert.Contains("\n  \"preset\": ", json);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (string name in new[]
                 {
                     "preset", "method", "seed", "tasks", "meanTest", "allocation", "activeFraction", "clusters",
                     "trainSeconds", "updatesPerSecond", "taskSimilarity", "updates", "lossCurves", "metricCurves",
                     "allocationHistory", "matrices", "environment",
                 })
            Assert.True(root.TryGetProperty(name, out _), $"report.json lacks '{name}'");
        var task = root.GetProperty("tasks")[0];
        foreach (string name in new[] { "name", "metric", "test", "valid" })
            Assert.True(task.TryGetProperty(name, out _), $"tasks[0] lacks '{name}'");
        Assert.True(root.GetProperty("lossCurves")[0].TryGetProperty("xLabel", out _));
        Assert.True(root.GetProperty("allocationHistory")[0].TryGetProperty("probabilities", out _));
        Assert.True(root.GetProperty("matrices")[0].TryGetProperty("rowLabels", out _));
    }

    [Fact]
    public void NonFiniteNumbers_AreWrittenAndReadBack()
    {
        var report = SampleReports.Create(tasks: 2, layers: 1, components: 2, points: 10, snapshots: 3) with
        {
            MeanTest = double.NaN,
            UpdatesPerSecond = double.PositiveInfinity,
        };
        var back = RunReportJson.Deserialize(RunReportJson.Serialize(report));
        Assert.True(double.IsNaN(back.MeanTest));
        Assert.True(double.IsPositiveInfinity(back.UpdatesPerSecond));
    }

    [Fact]
    public void MinimalReport_RoundTrips_WithNullOptionalSections()
    {
        var report = new RunReport
        {
            Preset = "p", Method = "no-sharing", Seed = 1, Tasks = [new TaskResult("t", "mse", 0.5)], MeanTest = 0.5,
            TrainSeconds = 1, UpdatesPerSecond = 2,
        };
        var back = RunReportJson.Deserialize(RunReportJson.Serialize(report));
        Assert.Null(back.Allocation);
        Assert.Null(back.Tasks[0].Valid);
        Assert.Empty(back.LossCurves);
    }

    [Fact]
    public void Deserialize_MissingRequiredField_Throws()
    {
        Assert.Throws<JsonException>(() => RunReportJson.Deserialize("{\"preset\":\"p\"}"));
        Assert.Throws<JsonException>(() => RunReportJson.Deserialize("null"));
    }

    [Fact]
    public void Save_WritesAtomically_AndLoadReadsBack()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtlsharp-json-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "report.json");
            var report = SampleReports.Create(tasks: 2, layers: 1, components: 2, points: 10, snapshots: 3);
            RunReportJson.Save(report, path);
            RunReportJson.Save(report with { Seed = 99 }, path); // overwrite
            Assert.Equal(99, RunReportJson.Load(path).Seed);
            Assert.Equal(["report.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal((byte)'{', bytes[0]); // no BOM
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
