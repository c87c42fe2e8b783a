using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// A real <c>mtl train</c> child process killed with SIGKILL at random moments (during data generation, training and
/// checkpoint writes), then resumed with <c>mtl train --resume</c>, ends with exactly the report metrics of the same
/// run left alone (same machine, same thread count).
/// </summary>
[Collection("processes")]
public sealed class KillAndResumeTests
{
    private static readonly string[] Run = ["train", "--preset", "synthetic-gumbel", "--scale", "0.4", "--threads", "1", "--checkpoint-every", "40", "--no-tensorboard"];

    [Fact]
    public void ARunKilledAtRandomMomentsAndResumedEndsWithTheUninterruptedMetrics()
    {
        using var tmp = new TempFolder();
        string whole = Path.Combine(tmp.Path, "whole"), killed = Path.Combine(tmp.Path, "killed");
        var (code, output) = Mtl.Run([.. Run, "--out", whole]);
        Assert.True(code == 0, output);

        var random = new Random(20261201);
        int kills = 0, attempts = 0;
        bool started = false;
        while (attempts++ < 12)
        {
            string[] args = started && File.Exists(Path.Combine(killed, "run.json")) ? ["train", "--resume", killed] : [.. Run, "--out", killed];
            started = true;
            var (p, log) = Mtl.Start(args);
            if (kills < 4)
            {
                // The run takes about 1.5–3 s here (startup, data, 4800 updates with a checkpoint every 40).
                Thread.Sleep(random.Next(300, 2500));
                if (!p.HasExited)
                {
                    p.Kill();   // SIGKILL
                    p.WaitForExit();
                    kills++;
                    AssertCheckpointsConsistent(killed);
                    continue;
                }
            }

            p.WaitForExit();
            Assert.True(p.ExitCode == 0, log.ToString());
            if (File.Exists(Path.Combine(killed, "complete.json")))
            {
                break;
            }
        }

        Assert.True(kills >= 1, "no run was killed before it finished");
        Assert.True(File.Exists(Path.Combine(killed, "complete.json")), "the resumed run did not finish");
        using var a = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(whole, "report.json")));
        using var b = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(killed, "report.json")));
        foreach (string key in new[] { "tasks", "meanTest", "updates", "allocation", "lossCurves", "allocationHistory", "clusters" })
        {
            Assert.Equal(a.RootElement.GetProperty(key).GetRawText(), b.RootElement.GetProperty(key).GetRawText());
        }

        var (evalCode, evalOutput) = Mtl.Run("eval", "--checkpoint", Path.Combine(killed, "checkpoints", "last"));
        Assert.True(evalCode == 0, evalOutput);
        Assert.Contains("mean test", evalOutput, StringComparison.Ordinal);

        var (again, againOutput) = Mtl.Run("train", "--resume", killed);
        Assert.Equal(0, again);
        Assert.Contains("nothing to resume", againOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every checkpoint folder that looks complete (has checkpoint.json) is complete and of one step; a previous
    /// folder (.last.old) whose deletion a kill cut short has lost its checkpoint.json first and is never read.
    /// </summary>
    private static void AssertCheckpointsConsistent(string run)
    {
        string dir = Path.Combine(run, "checkpoints");
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (string ckpt in new[] { "last", ".last.old" }.Select(n => Path.Combine(dir, n)).Where(Directory.Exists))
        {
            string meta = Path.Combine(ckpt, "checkpoint.json");
            if (ckpt.EndsWith(".old", StringComparison.Ordinal) && !File.Exists(meta))
            {
                Assert.True(Directory.Exists(Path.Combine(dir, "last")), "a half-deleted .last.old without a complete last");
                continue;
            }

            Assert.True(File.Exists(meta), $"{ckpt} has no checkpoint.json");
            using var doc = JsonDocument.Parse(File.ReadAllBytes(meta));
            long step = doc.RootElement.GetProperty("step").GetInt64();
            using var state = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ckpt, "trainer.json")));
            Assert.Equal(step, state.RootElement.GetProperty("loop/step").GetInt64());
            Assert.True(File.Exists(Path.Combine(ckpt, "model.safetensors")));
            Assert.True(File.Exists(Path.Combine(ckpt, "optimizer.1.safetensors")));
        }
    }
}
