namespace MtlSharp.Cli.Tests;

/// <summary>
/// A run whose disk fills up: whatever write fails first (TensorBoard events, a checkpoint file, metrics.jsonl, the
/// report), <c>mtl train</c> ends with exit code 1 and a one-line message naming the file and the cause, the run is
/// not marked finished, and once there is room <c>mtl train --resume</c> completes it.
/// </summary>
[Collection("processes")]
public sealed class DiskFullTests
{
    [SmallDiskFact]
    public void EveryWriteFailureStopsTheRunUnfinishedAndResumeCompletesIt()
    {
        using var tmp = new TempFolder();
        string config = Path.Combine(tmp.Path, "c.json");
        File.WriteAllText(Path.Combine(tmp.Path, "t.csv"), CorruptInputTests.Table);
        File.WriteAllText(config, CorruptInputTests.CsvConfig);
        int failed = 0;

        // Sizes that run out at different writes (measured): a checkpoint's optimizer state mid-run, the report at the end.
        foreach (int kilobytes in new[] { 40, 72 })
        {
            using var disk = SmallDisk.Mount(tmp.Path, kilobytes);
            string run = Path.Combine(disk.Path, "run");
            var (code, output) = Mtl.Run("train", "--config", config, "--data", tmp.Path, "--out", run);
            string complete = Path.Combine(run, "complete.json");
            if (code == 0)
            {
                Assert.True(File.Exists(complete), output);   // it fitted
                continue;
            }

            failed++;
            string message = output.Split('\n').Single(l => l.StartsWith("mtl: ", StringComparison.Ordinal));
            Assert.True(code == 1, $"{kilobytes} KiB: exit code {code}:\n{output}");
            Assert.Contains("No space left on device", message, StringComparison.Ordinal);
            Assert.Contains(run, message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            Assert.False(File.Exists(complete), $"{kilobytes} KiB: a run that failed to write is marked finished:\n{output}");

            disk.Grow(16 * 1024);
            (code, output) = Mtl.Run("train", "--resume", run);
            Assert.True(code == 0, $"{kilobytes} KiB: the resume failed:\n{output}");
            Assert.DoesNotContain("is finished", output, StringComparison.Ordinal);
            Assert.True(File.Exists(complete), output);
            Assert.True(File.Exists(Path.Combine(run, "report.json")), output);
        }

        Assert.Equal(2, failed);
    }
}
