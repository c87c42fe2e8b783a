using System.Diagnostics;
using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// <c>mtl train</c> as an MPI job of two processes (mpirun on this machine, loopback): the same model as one process
/// with the whole batch (within float tolerance: the two halves of a batch are summed in another order than one
/// process sums its rows) — also with dropout and with representation gradients (MGDA-UB) — bit-identical from job to
/// job and between the two reduction orders, resumable from rank 0's checkpoint, stopped by Ctrl-C/SIGTERM at the same
/// update on every process, and ended with a message — not a hang — when one process dies or hangs.
/// </summary>
[Collection("processes")]
public sealed class MpiTests
{
    // 480 updates of the synthetic routed preset; 2 processes share each batch of 8 rows.
    private static readonly string[] Train = ["train", "--preset", "synthetic-gumbel", "--scale", "0.04", "--threads", "1", "--no-tensorboard"];

    [MpiFact]
    public void TwoProcessesTrainTheModelOfOneProcessWithTheWholeBatch()
    {
        using var tmp = new TempFolder();
        string one = Path.Combine(tmp.Path, "one"), two = Path.Combine(tmp.Path, "two"), ordered = Path.Combine(tmp.Path, "ordered");
        var (code, output) = Mtl.Run([.. Train, "--out", one]);
        Assert.True(code == 0, output);
        (code, output) = MpiRun.Run(2, [.. Train, "--out", two]);
        Assert.True(code == 0, output);
        Assert.Single(Directory.GetFiles(two, "report.json"));
        Assert.Contains("mean test", output, StringComparison.Ordinal);

        // Every logged loss of the 480 updates, and every test metric, agree within float tolerance (not bit for bit).
        var a = MpiRun.Losses(one);
        var b = MpiRun.Losses(two);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Count > 50);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(double.IsNaN(a[i]) ? double.IsNaN(b[i]) : Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Abs(a[i]), $"loss {i}: {a[i]} with one process, {b[i]} with two");
        }

        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(one, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(two, "report.json")));
        var ta = ra.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("test").GetDouble()).ToArray();
        var tb = rb.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("test").GetDouble()).ToArray();
        Assert.Equal(ta.Length, tb.Length);
        for (int t = 0; t < ta.Length; t++)
        {
            Assert.True(Math.Abs(ta[t] - tb[t]) <= 1e-3 * Math.Abs(ta[t]), $"task {t}: test {ta[t]} with one process, {tb[t]} with two");
        }

        Assert.Equal(ra.RootElement.GetProperty("updates").GetRawText(), rb.RootElement.GetProperty("updates").GetRawText());
        Assert.Equal("2", rb.RootElement.GetProperty("environment").GetProperty("processes").GetString());

        // Gathered and summed in rank order: the same bits as MPI_Allreduce (two processes), i.e. no dependence on timing.
        var (p, log) = MpiRun.Start(2, new Dictionary<string, string> { ["MTL_MPI_REDUCTION"] = "rank-order" }, [.. Train, "--out", ordered]);
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), log.ToString());
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, log.ToString());
        Assert.Equal(MpiRun.Losses(two), MpiRun.Losses(ordered));
        using var ro = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ordered, "report.json")));
        Assert.Equal(rb.RootElement.GetProperty("tasks").GetRawText(), ro.RootElement.GetProperty("tasks").GetRawText());
    }

    [MpiFact]
    public void DropoutUnderTwoProcessesUsesTheMasksOfOneProcessWithTheWholeBatch()
    {
        // mnist4's regime on synthetic data (no download): Gumbel-Matrix routing, one task per batch of 16 rows, dropout
        // 0.5 before the heads; 400 updates. Each process draws the whole batch's masks and keeps its rows', so the run
        // agrees with one process as closely as a run without dropout (with the halves' own masks it does not).
        using var tmp = new TempFolder();
        string config = Path.Combine(tmp.Path, "dropout.json");
        File.WriteAllText(config, DropoutConfig);
        string one = Path.Combine(tmp.Path, "one"), two = Path.Combine(tmp.Path, "two");
        string[] run = ["train", "--config", config, "--threads", "1", "--no-tensorboard"];
        var (code, output) = Mtl.Run([.. run, "--out", one]);
        Assert.True(code == 0, output);
        (code, output) = MpiRun.Run(2, [.. run, "--out", two]);
        Assert.True(code == 0, output);
        var a = MpiRun.Losses(one);
        var b = MpiRun.Losses(two);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Count > 100);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(double.IsNaN(a[i]) ? double.IsNaN(b[i]) : Math.Abs(a[i] - b[i]) <= 1e-4 * Math.Abs(a[i]), $"loss {i}: {a[i]} with one process, {b[i]} with two");
        }

        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(one, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(two, "report.json")));
        Assert.Equal(ra.RootElement.GetProperty("meanTest").GetDouble(), rb.RootElement.GetProperty("meanTest").GetDouble(), 1e-3 * ra.RootElement.GetProperty("meanTest").GetDouble());
    }

    [MpiFact(Dataset = "yeast")]
    public void PerTaskGradientsAreSummedOverProcessesBeforeTheAggregator()
    {
        using var tmp = new TempFolder();
        string one = Path.Combine(tmp.Path, "one"), two = Path.Combine(tmp.Path, "two");
        string[] run = ["train", "--preset", "yeast", "--method", "shared-bottom", "--aggregator", "upgrad", "--data", EwtFactAttribute.DatasetsDir,
            "--scale", "0.05", "--threads", "1", "--no-tensorboard"];
        var (code, output) = Mtl.Run([.. run, "--out", one]);
        Assert.True(code == 0, output);
        (code, output) = MpiRun.Run(2, [.. run, "--out", two]);
        Assert.True(code == 0, output);
        var a = MpiRun.Losses(one);
        var b = MpiRun.Losses(two);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(double.IsNaN(a[i]) ? double.IsNaN(b[i]) : Math.Abs(a[i] - b[i]) <= (1e-3 * Math.Abs(a[i])) + 1e-4, $"loss {i}: {a[i]} with one process, {b[i]} with two");
        }

        // 54 Adam updates: the float differences grow to about 1e-4 of the losses (bugs — a share counted twice, a
        // missing task row — give differences of whole percent).
        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(one, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(two, "report.json")));
        Assert.Equal(ra.RootElement.GetProperty("meanTest").GetDouble(), rb.RootElement.GetProperty("meanTest").GetDouble(), 1e-3);
    }

    [MpiFact(Dataset = "yeast")]
    public void RepresentationGradientsAreGatheredOverProcessesBeforeTheAggregator()
    {
        // MGDA-UB: each process has its rows' gradients with respect to the shared representation; they are gathered
        // into the whole batch's matrix, aggregated alike everywhere, and each process back-propagates its rows' part.
        using var tmp = new TempFolder();
        string one = Path.Combine(tmp.Path, "one"), two = Path.Combine(tmp.Path, "two");
        string[] run = ["train", "--preset", "yeast", "--method", "shared-bottom", "--aggregator", "mgda", "--gradients", "representation",
            "--data", EwtFactAttribute.DatasetsDir, "--scale", "0.05", "--threads", "1", "--no-tensorboard"];
        var (code, output) = Mtl.Run([.. run, "--out", one]);
        Assert.True(code == 0, output);
        (code, output) = MpiRun.Run(2, [.. run, "--out", two]);
        Assert.True(code == 0, output);
        var a = MpiRun.Losses(one);
        var b = MpiRun.Losses(two);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            // Measured: 1.2e-7 relative at most over the 756 logged losses of 54 updates.
            Assert.True(double.IsNaN(a[i]) ? double.IsNaN(b[i]) : Math.Abs(a[i] - b[i]) <= (1e-4 * Math.Abs(a[i])) + 1e-6, $"loss {i}: {a[i]} with one process, {b[i]} with two");
        }

        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(one, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(two, "report.json")));
        Assert.Equal(ra.RootElement.GetProperty("meanTest").GetDouble(), rb.RootElement.GetProperty("meanTest").GetDouble(), 1e-4);
    }

    [MpiFact]
    public void ASweepSharesItsRunsOverTheProcessesAndRankZeroWritesTheTable()
    {
        using var tmp = new TempFolder();
        string root = Path.Combine(tmp.Path, "sweep");
        string[] sweep = ["reproduce", "synthetic-gumbel", "--seeds", "2", "--methods", "gumbel", "--scale", "0.02", "--threads", "1", "--no-tensorboard", "--out", root];
        var (code, output) = MpiRun.Run(2, sweep);
        Assert.True(code == 0, output);
        Assert.Contains("[1/2 gumbel", output, StringComparison.Ordinal);
        Assert.Contains("[2/2 gumbel", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "gumbel-s0", "complete.json")));
        Assert.True(File.Exists(Path.Combine(root, "gumbel-s1", "complete.json")));
        string table = File.ReadAllText(Path.Combine(root, "table.md"));
        Assert.Contains("| gumbel | 2 |", table, StringComparison.Ordinal);

        // Run again: both runs are finished and reused; the table is written again from them.
        File.Delete(Path.Combine(root, "table.md"));
        (code, output) = MpiRun.Run(2, sweep);
        Assert.True(code == 0, output);
        Assert.Equal(2, output.Split("using the finished run").Length - 1);
        Assert.Equal(table, File.ReadAllText(Path.Combine(root, "table.md")));
    }

    [MpiFact]
    public void AJobKilledAfterACheckpointResumesUnderMpiToTheUninterruptedResult()
    {
        using var tmp = new TempFolder();
        string whole = Path.Combine(tmp.Path, "whole"), killed = Path.Combine(tmp.Path, "killed");
        string[] run = [.. Train, "--checkpoint-every", "40"];
        var (code, output) = MpiRun.Run(2, [.. run, "--out", whole]);
        Assert.True(code == 0, output);

        var (p, log) = MpiRun.Start(2, null, [.. run, "--out", killed]);
        var clock = Stopwatch.StartNew();
        while (!p.HasExited && MpiRun.ExperimentLastStep(killed) < 80 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(20);
        }

        Assert.False(p.HasExited, "the job ended before it could be interrupted: " + log);
        p.Kill(entireProcessTree: true);   // mpirun and both ranks, at once
        p.WaitForExit();
        Assert.False(File.Exists(Path.Combine(killed, "complete.json")));

        (code, output) = MpiRun.Run(2, "train", "--resume", killed);
        Assert.True(code == 0, output);
        using var a = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(whole, "report.json")));
        using var b = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(killed, "report.json")));
        foreach (string key in new[] { "tasks", "meanTest", "updates", "allocation", "lossCurves" })
        {
            Assert.Equal(a.RootElement.GetProperty(key).GetRawText(), b.RootElement.GetProperty(key).GetRawText());
        }
    }

    [MpiFact]
    public void CtrlCOnOneProcessStopsEveryProcessAtTheSameUpdateAndTheRunResumesToTheUninterruptedResult()
    {
        // SIGTERM (what mpirun sends every process on Ctrl-C) to one process only: it says so with its next update's
        // losses, and both stop after that update (the other would otherwise wait in a collective); rank 0 writes the
        // last checkpoint; the job ends with 130, not an abort.
        using var tmp = new TempFolder();
        string whole = Path.Combine(tmp.Path, "whole"), stopped = Path.Combine(tmp.Path, "stopped");
        string[] run = ["train", "--preset", "synthetic-gumbel", "--scale", "0.2", "--threads", "1", "--no-tensorboard"];
        var (code, output) = MpiRun.Run(2, [.. run, "--out", whole]);
        Assert.True(code == 0, output);

        var (p, log) = MpiRun.Start(2, null, [.. run, "--out", stopped]);
        int rank = MpiRun.WaitForTraining(p, log, stopped);
        MpiRun.Signal(rank, "TERM");
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), "the job did not end within 120 s of SIGTERM: " + log);
        p.WaitForExit();
        Assert.True(p.ExitCode == 130, $"exit code {p.ExitCode}: {log}");
        Assert.DoesNotContain("did not complete within", log.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(stopped, "complete.json")));
        long at = MpiRun.ExperimentLastStep(stopped);
        Assert.True(at > 0 && at < 2400, $"stopped at update {at}: {log}");
        Assert.Contains("\"kind\":\"cancelled\"", File.ReadAllText(Path.Combine(stopped, "metrics.jsonl")), StringComparison.Ordinal);

        (code, output) = MpiRun.Run(2, "train", "--resume", stopped);
        Assert.True(code == 0, output);
        using var a = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(whole, "report.json")));
        using var b = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(stopped, "report.json")));
        foreach (string key in new[] { "tasks", "meanTest", "updates", "allocation", "lossCurves" })
        {
            Assert.Equal(a.RootElement.GetProperty(key).GetRawText(), b.RootElement.GetProperty(key).GetRawText());
        }
    }

    [MpiFact]
    public void Usr1OnMpirunStopsTheJobWithItsLastCheckpoint()
    {
        // mpirun forwards SIGUSR1 to every process, which mtl treats as a stop request (the README's way to stop a job).
        // SIGINT is not forwarded: mpirun sends SIGCONT, then SIGTERM and SIGKILL on its own timers; mtl stops on that
        // SIGCONT (MpiTaggerTests sends SIGINT to mpirun with the documented odls_base_sigkill_timeout).
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "ctrl-c");
        var (p, log) = MpiRun.Start(2, new Dictionary<string, string>(),
            ["train", "--preset", "synthetic-gumbel", "--scale", "10", "--threads", "1", "--no-tensorboard", "--out", dir]);
        try
        {
            _ = MpiRun.WaitForTraining(p, log, dir);
            MpiRun.Signal(p.Id, "USR1");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), "the job did not end within 120 s of SIGUSR1: " + log);
            p.WaitForExit();
            Assert.InRange(log.ToString().Split("stopping: finishing the current update").Length - 1, 1, 2);
            Assert.DoesNotContain("signal 9", log.ToString(), StringComparison.Ordinal);
            Assert.True(MpiRun.ExperimentLastStep(dir) > 0, "no checkpoint: " + log);
            Assert.False(File.Exists(Path.Combine(dir, "complete.json")));
            using var report = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "report.json")));
            Assert.Equal("yes", report.RootElement.GetProperty("environment").GetProperty("cancelled").GetString());
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }

    [MpiFact]
    public void AHungProcessEndsTheJobWithAMessageAfterTheCollectiveTimeout()
    {
        using var tmp = new TempFolder();
        var (p, log) = MpiRun.Start(2, new Dictionary<string, string> { ["MTL_MPI_TIMEOUT"] = "4" },
            ["train", "--preset", "synthetic-gumbel", "--scale", "2", "--threads", "1", "--no-tensorboard", "--out", Path.Combine(tmp.Path, "hung")]);
        try
        {
            int rank = MpiRun.WaitForTraining(p, log, Path.Combine(tmp.Path, "hung"));
            MpiRun.Signal(rank, "STOP");   // one process hangs: the other waits in a collective until its watchdog fires
            var clock = Stopwatch.StartNew();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the job did not end within 60 s of a process hanging: " + log);
            p.WaitForExit();
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("did not complete within 4 s", log.ToString(), StringComparison.Ordinal);
            Assert.True(clock.Elapsed > TimeSpan.FromSeconds(3), $"ended after {clock.Elapsed} only");
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }

    [MpiFact]
    public void AKilledProcessEndsTheJobWithAMessage()
    {
        using var tmp = new TempFolder();
        var (p, log) = MpiRun.Start(2, null,
            ["train", "--preset", "synthetic-gumbel", "--scale", "2", "--threads", "1", "--no-tensorboard", "--out", Path.Combine(tmp.Path, "dies")]);
        try
        {
            int rank = MpiRun.WaitForTraining(p, log, Path.Combine(tmp.Path, "dies"));
            MpiRun.Signal(rank, "KILL");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the job did not end within 60 s of a process dying: " + log);
            p.WaitForExit();
            Assert.NotEqual(0, p.ExitCode);
            Assert.Contains("signal 9", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>A small mnist4-like configuration: routed layer, task heads, dropout 0.5, synthetic regression data.</summary>
    private const string DropoutConfig = """
        {
          "name": "dropout-dp",
          "description": "mnist4's regime on synthetic data: Gumbel-Matrix routing, heads, dropout 0.5 before the heads.",
          "data": { "type": "synthetic", "clusters": [2], "rho": 1, "train": 4000, "test": 1000 },
          "tasks": [
            { "name": "task0", "kind": "regression", "metric": "mse" },
            { "name": "task1", "kind": "regression", "metric": "mse" }
          ],
          "model": {
            "type": "routed", "router": "gumbel", "pInit": 0.5, "combine": "mean",
            "layers": [ { "type": "mlp", "components": 4, "sizes": [16, 8], "outputRelu": true } ],
            "heads": true, "dropout": 0.5
          },
          "methods": { "gumbel": {} },
          "defaultMethod": "gumbel",
          "strategy": { "sampler": "rounds" },
          "optimizer": { "type": "adam", "learningRate": 0.01, "routerLearningRate": 0.01, "clipNorm": 1 },
          "schedule": { "batchSize": 16, "rounds": 200, "evaluations": 0 }
        }
        """;
}
