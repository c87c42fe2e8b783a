using System.Diagnostics;
using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// <c>mtl reproduce</c> interrupted by Ctrl-C (SIGINT) and by SIGKILL, then started again, resumes its interrupted
/// member and produces exactly the table of the uninterrupted sweep; a cancelled member never counts as finished.
/// </summary>
[Collection("processes")]
public sealed class ReproduceResumeTests
{
    private static string[] Sweep(string outDir) =>
        ["reproduce", "synthetic-transfer", "--seeds", "2", "--methods", "shared-bottom,no-sharing", "--rho", "1", "--scale", "0.5", "--threads", "1", "--checkpoint-every", "50", "--no-tensorboard", "--out", outDir];

    [Fact]
    public void AnInterruptedSweepResumesToTheUninterruptedTable()
    {
        using var tmp = new TempFolder();
        string whole = Path.Combine(tmp.Path, "whole"), cut = Path.Combine(tmp.Path, "cut");
        var (code, output) = Mtl.Run(Sweep(whole));
        Assert.True(code == 0, output);

        // Ctrl-C while the first member trains: it saves its state and report, exits 130, and is not finished.
        var (p, log) = Mtl.Start(Sweep(cut));
        WaitFor(() => Directory.Exists(Path.Combine(cut, "shared-bottom-s0", "checkpoints", "last")), p);
        Signal(p, "INT");
        Assert.True(p.WaitForExit(60_000), "mtl reproduce did not stop after Ctrl-C");
        Assert.True(p.ExitCode == 130, log.ToString());
        Assert.False(File.Exists(Path.Combine(cut, "shared-bottom-s0", "complete.json")));
        Assert.True(File.Exists(Path.Combine(cut, "shared-bottom-s0", "report.json")));   // the partial report exists but does not count

        // SIGKILL somewhere in the second member.
        (p, log) = Mtl.Start(Sweep(cut));
        WaitFor(() => Directory.Exists(Path.Combine(cut, "shared-bottom-s1", "checkpoints", "last")), p);
        p.Kill();
        p.WaitForExit();

        (code, output) = Mtl.Run(Sweep(cut));
        Assert.True(code == 0, output);
        Assert.Contains("resuming the interrupted run", output, StringComparison.Ordinal);
        Assert.Contains("using the finished run", output, StringComparison.Ordinal);
        Assert.Equal(Rows(whole), Rows(cut));
    }

    /// <summary>table.json without the timing column.</summary>
    private static string Rows(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "table.json")));
        var rows = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("rows");
        return string.Join("\n", rows.EnumerateArray().Select(r => string.Join(";", r.EnumerateObject()
            .Where(p => !p.Name.Equals("updatesPerSecond", StringComparison.OrdinalIgnoreCase))
            .Select(p => $"{p.Name}={p.Value.GetRawText()}"))));
    }

    private static void WaitFor(Func<bool> condition, Process p)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.False(p.HasExited, "mtl reproduce ended before the moment to interrupt it");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "timed out waiting to interrupt");
            Thread.Sleep(20);
        }
    }

    private static void Signal(Process p, string signal)
    {
        // bash's built-in kill: no dependency on procps.
        using var kill = Process.Start("bash", ["-c", $"kill -{signal} {p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}"])!;
        kill.WaitForExit();
    }
}
