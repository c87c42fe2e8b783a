using System.Text.Json;

namespace MtlSharp.Cli.Tests;

/// <summary>
/// The sluice tagger (<c>ewt-domains</c>: sentence batches, every task on every sentence, loss summed over a sentence's
/// tokens and averaged over the batch's sentences) as an MPI job of two processes: each computes half of every batch's
/// sentences, with the whole batch's word dropout and input noise, and the job trains the model of one process with
/// the whole batch (within float tolerance); Ctrl-C on mpirun leaves rank 0's checkpoint, from which the job resumes to
/// the uninterrupted job's result.
/// </summary>
[Collection("processes")]
public sealed class MpiTaggerTests
{
    /// <summary>A small slice of EWT answers: 7 updates of 8 sentences per epoch, word dropout and bilty's input noise on.</summary>
    private static string[] Tagger(double scale, int epochs) =>
        ["train", "--preset", "ewt-domains", "--data", EwtFactAttribute.DatasetsDir, "--scale", scale.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--word-dropout", "0.25", "--input-noise", "0.2",
            "--threads", "1", "--no-tensorboard"];

    [MpiFact(Dataset = "ud-english-ewt")]
    public void TwoProcessesTrainTheTaggerOfOneProcessWithTheWholeBatch()
    {
        using var tmp = new TempFolder();
        string one = Path.Combine(tmp.Path, "one"), two = Path.Combine(tmp.Path, "two");
        string[] run = Tagger(0.02, 2);
        var (code, output) = Mtl.Run([.. run, "--out", one]);
        Assert.True(code == 0, output);
        (code, output) = MpiRun.Run(2, [.. run, "--out", two]);
        Assert.True(code == 0, output);

        // Measured: the logged losses agree to 2.5e-8 relative and the test accuracies exactly (14 updates); a share
        // normalised by its own tokens, or drawing its own noise, is off by whole percent.
        var a = MpiRun.Losses(one);
        var b = MpiRun.Losses(two);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Count >= 4);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * Math.Abs(a[i]), $"loss {i}: {a[i]} with one process, {b[i]} with two");
        }

        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(one, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(two, "report.json")));
        var ta = ra.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("test").GetDouble()).ToArray();
        var tb = rb.RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("test").GetDouble()).ToArray();
        Assert.Equal(ta.Length, tb.Length);
        for (int t = 0; t < ta.Length; t++)
        {
            Assert.True(Math.Abs(ta[t] - tb[t]) <= 1e-3, $"task {t}: test accuracy {ta[t]} with one process, {tb[t]} with two");
        }

        Assert.Equal(ra.RootElement.GetProperty("updates").GetRawText(), rb.RootElement.GetProperty("updates").GetRawText());
        Assert.Equal("2", rb.RootElement.GetProperty("environment").GetProperty("processes").GetString());
    }

    [MpiFact(Dataset = "ud-english-ewt")]
    public void CtrlCOnMpirunLeavesRankZerosCheckpointAndTheTaggerResumesToTheUninterruptedResult()
    {
        // Ctrl-C on mpirun, the documented way: mpirun started with odls_base_sigkill_timeout 10 (here through its
        // environment, as --mca sets it). mpirun does not forward SIGINT; it sends SIGCONT, on which mtl stops: rank 0
        // saves the update in progress at once, and both stop together one update later.
        using var tmp = new TempFolder();
        string whole = Path.Combine(tmp.Path, "whole"), stopped = Path.Combine(tmp.Path, "stopped");
        string[] run = Tagger(0.05, 3);
        var (code, output) = MpiRun.Run(2, [.. run, "--out", whole]);
        Assert.True(code == 0, output);

        var timeout = new Dictionary<string, string> { ["OMPI_MCA_odls_base_sigkill_timeout"] = "10" };
        var (p, log) = MpiRun.Start(2, timeout, [.. run, "--out", stopped]);
        try
        {
            _ = MpiRun.WaitForTraining(p, log, stopped);   // the first epoch's losses are logged
            MpiRun.Signal(p.Id, "INT");
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), "the job did not end within 120 s of Ctrl-C: " + log);
            p.WaitForExit();
            string text = log.ToString();
            Assert.Contains("mpirun is ending the job", text, StringComparison.Ordinal);
            Assert.DoesNotContain("for a reliable Ctrl-C", text, StringComparison.Ordinal);   // the option is set
            long at = MpiRun.ExperimentLastStep(stopped);
            using var full = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(whole, "report.json")));
            long total = full.RootElement.GetProperty("updates").GetInt64();
            Assert.True(at > 0 && at < total, $"checkpoint at update {at} of {total}: {text}");
            Assert.False(File.Exists(Path.Combine(stopped, "complete.json")));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }

        (code, output) = MpiRun.Run(2, "train", "--resume", stopped);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(stopped, "complete.json")), output);
        using var ra = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(whole, "report.json")));
        using var rb = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(stopped, "report.json")));
        foreach (string key in new[] { "tasks", "updates", "lossCurves", "metricCurves" })
        {
            Assert.Equal(ra.RootElement.GetProperty(key).GetRawText(), rb.RootElement.GetProperty(key).GetRawText());
        }
    }
}
