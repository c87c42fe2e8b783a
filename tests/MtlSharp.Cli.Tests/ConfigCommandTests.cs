namespace MtlSharp.Cli.Tests;

/// <summary><c>mtl train --config</c>, <c>mtl config</c> and <c>mtl reproduce --config</c> through the real command.</summary>
[Collection("processes")]
public sealed class ConfigCommandTests
{
    private const string Table = "x,c,y,z\n-2,a,q,\n-1,b,q,1\n0,a,q,\n1,b,p,2\n2,a,p,5\n3,b,p,3\n-3,a,q,-5\n4,b,p,4\n-4,a,q,\n5,b,p,5\n6,a,p,13\n-5,b,q,-5\n";

    private static string Config(string extra = "") => $$"""
        {
          "name": "mine",
          "data": { "type": "csv", "path": "t.csv", "split": { "test": 0.25, "valid": 0.25, "seed": 2 } },
          "tasks": [
            { "name": "sign", "kind": "classification", "column": "y" },
            { "name": "value", "kind": "regression", "column": "z", "metric": "mae" }
          ],
          "model": { "type": "routed", "layers": [ { "type": "mlp", "components": 2, "sizes": [4] } ] },
          "methods": { "single": { "model": { "router": "no-sharing" } }, "shared": { "model": { "router": "shared-bottom" } } },
          "baseline": "single",
          "schedule": { "batchSize": 2, "epochs": 2 }{{extra}}
        }
        """;

    [Fact]
    public void AConfigurationFileTrainsAndItsRunResumesFromItsOwnCopy()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), Table);
        string cfg = Path.Combine(tmp.Path, "my.json");
        File.WriteAllText(cfg, Config());
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", cfg, "--method", "shared", "--data", tmp.Path, "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("sign", output, StringComparison.Ordinal);
        Assert.Contains("test mae", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(cfg), File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Contains(Path.Combine(run, "config.json"), File.ReadAllText(Path.Combine(run, "run.json")), StringComparison.Ordinal);

        // The user's file changing (or going) does not change the run: --resume and eval use the copy.
        File.Delete(cfg);
        (code, output) = Mtl.Run("eval", "--checkpoint", Path.Combine(run, "checkpoints", "last"));
        Assert.True(code == 0, output);
        Assert.Contains("mine/shared seed 0", output, StringComparison.Ordinal);

        // --data replaces the run's data folder (it is in the stored command line already).
        (code, output) = Mtl.Run("eval", "--checkpoint", Path.Combine(run, "checkpoints", "last"), "--data", tmp.Path);
        Assert.True(code == 0, output);
        Assert.Contains("mine/shared seed 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadConfigurationIsRejectedWithLinesBeforeAnythingIsWritten()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), Table);
        string cfg = Path.Combine(tmp.Path, "bad.json");
        File.WriteAllText(cfg, Config().Replace("\"column\": \"y\"", "\"colunm\": \"y\"", StringComparison.Ordinal));
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", cfg, "--data", tmp.Path, "--out", run);
        Assert.Equal(1, code);
        Assert.Contains("bad.json:5: tasks[0].colunm: unknown key \"colunm\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));

        // A data problem (a label never seen in training) is caught before the run folder exists too.
        File.WriteAllText(cfg, Config().Replace("\"split\": { \"test\": 0.25, \"valid\": 0.25, \"seed\": 2 }", "\"split\": { \"test\": \"test.csv\" }", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(tmp.Path, "test.csv"), "x,c,y,z\n1,a,maybe,1\n");
        (code, output) = Mtl.Run("train", "--config", cfg, "--data", tmp.Path, "--out", run);
        Assert.Equal(1, code);
        Assert.Contains("test.csv:2: column 'y': label 'maybe' does not occur in the training split", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));

        (code, output) = Mtl.Run("train", "--config", cfg, "--preset", "olive");
        Assert.Equal(2, code);
        Assert.Contains("exclusive", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ShowPrintsAPresetThatCheckAccepts()
    {
        using var tmp = new TempFolder();
        var (code, output) = Mtl.Run("config", "show", "income");
        Assert.Equal(0, code);
        Assert.Contains("\"DUAL.INCOMES\"", output, StringComparison.Ordinal);
        string copy = Path.Combine(tmp.Path, "income.json");
        File.WriteAllText(copy, output);
        (code, output) = Mtl.Run("config", "check", copy);
        Assert.True(code == 0, output);
        Assert.Contains("valid (15 methods; default gumbel)", output, StringComparison.Ordinal);

        (code, output) = Mtl.Run("list");
        Assert.Equal(0, code);
        foreach (string p in new[] { "income", "boys", "olive", "mnist4", "multimnist", "multifashion-mnist", "ewt-domains" })
        {
            Assert.Contains(p, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ReproduceRunsEveryMethodAndTabulatesDeltaM()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), Table);
        string cfg = Path.Combine(tmp.Path, "my.json");
        File.WriteAllText(cfg, Config());
        string outDir = Path.Combine(tmp.Path, "sweep");
        var (code, output) = Mtl.Run("reproduce", "--config", cfg, "--seeds", "2", "--data", tmp.Path, "--no-tensorboard", "--out", outDir);
        Assert.True(code == 0, output);
        string table = File.ReadAllText(Path.Combine(outDir, "table.md"));
        Assert.Contains("| single | 2 |", table, StringComparison.Ordinal);
        Assert.Contains("| shared | 2 |", table, StringComparison.Ordinal);
        Assert.Contains("Δm vs single (%)", table, StringComparison.Ordinal);
        Assert.Contains("0.00 ±", table, StringComparison.Ordinal);   // the baseline against itself
    }
}
