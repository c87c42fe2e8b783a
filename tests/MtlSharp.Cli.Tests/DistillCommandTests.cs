using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary><c>mtl distill</c> end to end on two small synthetic regression tasks (teachers, student, Distral, errors).</summary>
[Collection("processes")]
public sealed class DistillCommandTests
{
    /// <summary>Two synthetic tasks; single-task (one network each) and shared-bottom methods; a few hundred updates at scale 1.</summary>
    private static string Config(string dir, string secondTask = "b")
    {
        string path = Path.Combine(dir, $"two-{secondTask}.json");
        File.WriteAllText(path, $$"""
            {
              "name": "two-tasks",
              "data": { "type": "synthetic", "clusters": [1, 1], "rho": 0.9, "train": 2000, "test": 500 },
              "tasks": [ { "name": "a", "kind": "regression", "metric": "mse" }, { "name": "{{secondTask}}", "kind": "regression", "metric": "mse" } ],
              "model": { "type": "routed", "router": "shared-bottom", "combine": "mean", "layers": [ { "type": "mlp", "components": 2, "sizes": [16, 1], "outputRelu": false } ], "heads": false },
              "methods": { "single-task": { "model": { "router": "no-sharing" } }, "shared-bottom": {} },
              "defaultMethod": "shared-bottom",
              "baseline": "single-task",
              "strategy": { "sampler": "all" },
              "optimizer": { "type": "adam", "learningRate": 0.01 },
              "schedule": { "batchSize": 64, "rounds": 60, "evaluations": 0 }
            }
            """);
        return path;
    }

    [Fact]
    public void TrainTeachersThenDistilAStudentThenUseThemAsCheckpoints()
    {
        using var tmp = new TempFolder();
        string config = Config(tmp.Path);
        string dir = Path.Combine(tmp.Path, "d");
        var (code, output) = Mtl.Run("distill", "--train-teachers", "--config", config, "--temperature", "a=3", "--alpha", "0.7", "--no-tensorboard", "--out", dir);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(dir, "teachers", "report.json")), output);
        Assert.Contains("teacher ", output, StringComparison.Ordinal);
        using (var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "student", "report.json"))))
        {
            var env = report.RootElement.GetProperty("environment");
            Assert.Equal("a: λ 0.7, T 3; b: λ 0.7, T 2", env.GetProperty("distillation").GetString());
            Assert.Equal("shared-bottom", report.RootElement.GetProperty("method").GetString());
        }

        // The teachers' run folder given again, as --teachers: the same student run.
        var (again, output2) = Mtl.Run("distill", "--teachers", Path.Combine(dir, "teachers"), "--config", config, "--temperature", "a=3", "--alpha", "0.7", "--no-tensorboard", "--out", Path.Combine(tmp.Path, "e"));
        Assert.True(again == 0, output2);
        Assert.Equal(Tests(Path.Combine(dir, "student")), Tests(Path.Combine(tmp.Path, "e", "student")));

        // A distilled run cannot be resumed as a plain one.
        var (resume, output3) = Mtl.Run("train", "--resume", Path.Combine(dir, "student"));
        Assert.Equal(2, resume);
        Assert.Contains("mtl distill", output3, StringComparison.Ordinal);
    }

    [Fact]
    public void DistralTrainsAndReportsTheSharedModel()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "d");
        var (code, output) = Mtl.Run("distill", "--distral", "--beta", "0.3", "--config", Config(tmp.Path), "--no-tensorboard", "--out", dir);
        Assert.True(code == 0, output);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "distral", "report.json")));
        var env = report.RootElement.GetProperty("environment");
        Assert.True(env.TryGetProperty("distral.shared.test.a", out _), env.ToString());
        Assert.True(double.Parse(env.GetProperty("distral.kl.b").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.StartsWith("task models single-task, shared model shared-bottom", env.GetProperty("distral").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ATaskWithoutATeacherIsAClearError()
    {
        using var tmp = new TempFolder();
        string teachers = Path.Combine(tmp.Path, "t");
        var (code, output) = Mtl.Run("train", "--config", Config(tmp.Path), "--method", "single-task", "--no-tensorboard", "--out", teachers);
        Assert.True(code == 0, output);
        var (missing, message) = Mtl.Run("distill", "--teachers", teachers, "--config", Config(tmp.Path, "zz"), "--no-tensorboard", "--out", Path.Combine(tmp.Path, "d"));
        Assert.Equal(1, missing);
        Assert.Contains("task 'zz' has no teacher", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 2, "give the teachers")]
    [InlineData("--teachers nowhere", 1, "--teachers 'nowhere': no checkpoint")]
    [InlineData("--train-teachers --alpha 2", 2, "must be in [0, 1]")]
    [InlineData("--train-teachers --temperature q=2", 2, "no task 'q'")]
    [InlineData("--distral --alpha 0.5", 2, "--distral trains its own task models")]
    [InlineData("--distral --method single-task", 2, "choose a multi-task method")]
    public void BadDistillArgumentsAreClearErrors(string args, int exit, string expected)
    {
        using var tmp = new TempFolder();
        string[] extra = args.Length == 0 ? [] : args.Split(' ');
        var (code, output) = Mtl.Run(["distill", "--config", Config(tmp.Path), .. extra, "--out", Path.Combine(tmp.Path, "d")]);
        Assert.Equal(exit, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [EwtFact]
    public void GivenTeachersNeedNoBaselineMethodButTrainedOnesDo()
    {
        // ewt-weblog-distill has teacher methods of its own and no "baseline": the teacher folder is what is checked.
        using var tmp = new TempFolder();
        string config = Path.Combine(Mtl.RepositoryRoot, "docs", "results", "distillation", "ewt-weblog.json");
        var (code, output) = Mtl.Run("distill", "--teachers", "nowhere", "--config", config, "--data", EwtFactAttribute.DatasetsDir, "--out", Path.Combine(tmp.Path, "d"));
        Assert.Equal(1, code);
        Assert.Contains("--teachers 'nowhere': no checkpoint", output, StringComparison.Ordinal);
        var (trained, message) = Mtl.Run("distill", "--train-teachers", "--config", config, "--data", EwtFactAttribute.DatasetsDir, "--out", Path.Combine(tmp.Path, "e"));
        Assert.Equal(2, trained);
        Assert.Contains("names no single-task method", message, StringComparison.Ordinal);
    }

    private static double[] Tests(string runDir)
    {
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "report.json")));
        return [.. report.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("test").GetDouble())];
    }
}
