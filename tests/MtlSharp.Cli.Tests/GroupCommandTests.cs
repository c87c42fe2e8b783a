using System.Text.Json;
using System.Text.Json.Nodes;

namespace MtlSharp.Cli.Tests;

/// <summary><c>mtl group</c> and the relationship options of <c>mtl train</c>, end to end on small synthetic clusters.</summary>
[Collection("processes")]
public sealed class GroupCommandTests
{
    private static string Clusters => Path.Combine(Mtl.RepositoryRoot, "docs", "results", "grouping", "synthetic-clusters.json");

    [Fact]
    public void GroupWritesTheChosenNetworksAndTrainsThem()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "g");
        var (code, output) = Mtl.Run("group", "--config", Clusters, "--budget", "3", "--method", "tag", "--scale", "0.02", "--train", "--out", dir);
        Assert.True(code == 0, output);
        Assert.Contains("3 network(s) by tag", output, StringComparison.Ordinal);
        Assert.Contains("mean test: grouping", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "grouping.json")));
        var root = json.RootElement;
        Assert.Equal("tag", root.GetProperty("method").GetString());
        Assert.Equal(6, root.GetProperty("measured").GetArrayLength());
        Assert.Equal(6, root.GetProperty("relation").GetArrayLength());
        Assert.Equal(6, root.GetProperty("networks").EnumerateArray().Sum(n => n.GetProperty("serves").GetArrayLength()));
        Assert.Contains("data-kind=\"grouping\"", File.ReadAllText(Path.Combine(dir, "grouping.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void TransferPrintsTheSourceRankingAndWritesTheMatrix()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "t");
        string heads = Path.Combine(Mtl.RepositoryRoot, "docs", "results", "grouping", "synthetic-clusters-heads.json");
        var (code, output) = Mtl.Run("group", "--config", heads, "--budget", "3", "--method", "transfer", "--fraction", "0.2", "--scale", "0.05", "--out", dir);
        Assert.True(code == 0, output);
        Assert.Contains("3 network(s) by transfer", output, StringComparison.Ordinal);
        Assert.Contains("sources: c0-b", output, StringComparison.Ordinal);   // c0-a's best source is its cluster partner
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "grouping.json")));
        var transfer = json.RootElement.GetProperty("transfer");
        Assert.Equal(0.2, transfer.GetProperty("fraction").GetDouble());
        Assert.Equal(6, transfer.GetProperty("gainPercent").GetArrayLength());
        Assert.Equal("c1-a", transfer.GetProperty("ranking").GetProperty("c1-b")[0].GetString());
        Assert.Contains("data-kind=\"transfer\"", File.ReadAllText(Path.Combine(dir, "grouping.html")), StringComparison.Ordinal);

        var (bad, message) = Mtl.Run("group", "--config", Clusters, "--budget", "3", "--method", "transfer", "--scale", "0.01", "--out", Path.Combine(tmp.Path, "u"));
        Assert.Equal(1, bad);
        Assert.Contains("model.heads true", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    [EwtFact]
    public void TransferOverTaggingTasksPrintsTheMatrix()
    {
        using var tmp = new TempFolder();
        // ewt-tasks.json with two of its tasks and two epochs, on the first 30 weblog training sentences.
        MtlSharp.Testing.MiniEwt.Write(EwtFactAttribute.DatasetsDir, tmp.Path, 30, 8, 3);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Mtl.RepositoryRoot, "docs", "results", "grouping", "ewt-tasks.json")))!.AsObject();
        config.Remove("$schema");
        config["tasks"] = new JsonArray(
            new JsonObject { ["name"] = "UPOS", ["kind"] = "sequence-tagging", ["column"] = "upos" },
            new JsonObject { ["name"] = "XPOS", ["kind"] = "sequence-tagging", ["column"] = "xpos" });
        config["schedule"]!["epochs"] = 2;
        string file = Path.Combine(tmp.Path, "ewt-two.json");
        File.WriteAllText(file, config.ToJsonString());

        string dir = Path.Combine(tmp.Path, "t");
        var (code, output) = Mtl.Run("group", "--config", file, "--data", tmp.Path, "--budget", "1", "--method", "transfer", "--fraction", "0.5", "--out", dir);
        Assert.True(code == 0, output);
        Assert.Contains("1 network(s) by transfer", output, StringComparison.Ordinal);
        Assert.Contains("transfer (heads on 50% of the target's examples", output, StringComparison.Ordinal);
        Assert.Contains("sources: XPOS", output, StringComparison.Ordinal);   // UPOS's only source
        Assert.Contains("sources: UPOS", output, StringComparison.Ordinal);
        Assert.Matches(@"source \(row\) → target \(column\):\n\s+UPOS\s+XPOS\n\s+UPOS(\s+[0-9.]+){2}\n\s+XPOS(\s+[0-9.]+){2}\n\s+scratch(\s+[0-9.]+){2}\n", output.Replace("\r\n", "\n", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "grouping.json")));
        var transfer = json.RootElement.GetProperty("transfer");
        Assert.Equal(0.5, transfer.GetProperty("fraction").GetDouble());
        Assert.Equal(2, transfer.GetProperty("gainPercent").GetArrayLength());
        Assert.Equal("XPOS", transfer.GetProperty("ranking").GetProperty("UPOS")[0].GetString());
        // Half of the 30 sentences, in the transfer runs' reports.
        Assert.Contains("\"trainSentences\": \"15 of 30\"", File.ReadAllText(Directory.GetFiles(dir, "report.json", SearchOption.AllDirectories).First(f => f.Contains("transfer-UPOS-to-XPOS", StringComparison.Ordinal))), StringComparison.Ordinal);

        var (bad, message) = Mtl.Run("group", "--config", file, "--data", tmp.Path, "--budget", "1", "--method", "transfer", "--fraction", "1.5", "--out", Path.Combine(tmp.Path, "u"));
        Assert.Equal(2, bad);
        Assert.Contains("--fraction must be in (0, 1], got 1.5", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainRecordsGradientStatisticsAndAffinity()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--config", Clusters, "--sampler", "all", "--affinity-stats", "2", "--affinity", "4", "--scale", "0.02", "--out", dir);
        Assert.True(code == 0, output);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
        Assert.Equal(6, report.RootElement.GetProperty("taskAffinity").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("gradientCurves").GetArrayLength() >= 6);
        Assert.Contains("\"kind\":\"gradients\"", File.ReadAllText(Path.Combine(dir, "metrics.jsonl")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--budget 0 --method tag", 2, "--budget")]
    [InlineData("--budget 2 --method nope", 2, "unknown grouping method 'nope'")]
    [InlineData("--budget 2 --run-method nope", 2, "unknown method 'nope'")]
    [InlineData("--budget 2 --method transfer --fraction 0", 2, "--fraction must be in (0, 1]")]
    public void BadGroupArgumentsAreClearErrors(string args, int exit, string expected)
    {
        using var tmp = new TempFolder();
        var (code, output) = Mtl.Run(["group", "--config", Clusters, .. args.Split(' '), "--out", Path.Combine(tmp.Path, "g")]);
        Assert.Equal(exit, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AffinityWithOneTaskPerUpdateIsAClearError()
    {
        using var tmp = new TempFolder();
        var (code, output) = Mtl.Run("train", "--config", Clusters, "--affinity", "3", "--scale", "0.01", "--out", Path.Combine(tmp.Path, "run"));
        Assert.Equal(1, code);
        Assert.Contains("--sampler all", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
