namespace MtlSharp.Cli.Tests;

/// <summary>Bad arguments end with a one-line message and exit code 2 (usage) or 1 (files), never a stack trace, before any training.</summary>
[Collection("processes")]
public sealed class BadInputTests
{
    [Theory]
    [InlineData("--scale 0", "--scale")]
    [InlineData("--scale NaN", "--scale")]
    [InlineData("--scale -1", "--scale")]
    [InlineData("--preset nope", "unknown preset 'nope'")]
    [InlineData("--method nope", "unknown method 'nope'")]
    [InlineData("--checkpoint-every -5", "--checkpoint-every")]
    [InlineData("--preset ewt-domains --batch-size 0", "--batch-size must be at least 1")]
    [InlineData("--preset ewt-domains --max-epochs 0", "--max-epochs must be at least 1")]
    [InlineData("--preset ewt-domains --genre nope", "unknown genre 'nope'")]
    [InlineData("--aggregator mean", "use --sampler all")]
    [InlineData("--sampler nope", "unknown sampler 'nope'")]
    [InlineData("--weighting nope", "unknown loss weighting 'nope'")]
    [InlineData("--sampler all --aggregator pcgrad --weighting rlw", "are exclusive")]
    [InlineData("--preset ewt-domains --aggregator mean --weighting uncertainty", "are exclusive")]
    [InlineData("--sampler temperature --sampling-temperature 0", "--sampling-temperature")]
    [InlineData("--sampler all --aggregator mgda --gradients sideways", "--gradients must be parameters or representation")]
    public void BadTrainArgumentsAreUsageErrors(string args, string expected)
    {
        using var tmp = new TempFolder();
        var (code, output) = Mtl.Run(["train", .. args.Split(' '), "--out", Path.Combine(tmp.Path, "run")]);
        Assert.Equal(2, code);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "run")), "a run folder was created for a bad command line");
    }

    [Fact]
    public void AnOutputThatIsAFileIsRejectedBeforeTraining()
    {
        using var tmp = new TempFolder();
        string file = Path.Combine(tmp.Path, "taken");
        File.WriteAllText(file, "x");
        var (code, output) = Mtl.Run("train", "--scale", "0.01", "--out", file);
        Assert.Equal(2, code);
        Assert.Contains("existing file", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingOrDamagedRunFoldersAreFileErrors()
    {
        using var tmp = new TempFolder();
        var (code, output) = Mtl.Run("train", "--resume", Path.Combine(tmp.Path, "none"));
        Assert.Equal(1, code);
        Assert.Contains("run.json is missing", output, StringComparison.Ordinal);

        string run = Path.Combine(tmp.Path, "bad");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "run.json"), "{\"args\": 5}");
        (code, output) = Mtl.Run("train", "--resume", run);
        Assert.Equal(1, code);
        Assert.Contains("run.json", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        (code, output) = Mtl.Run("train", "--resume", run, "--seed", "3");
        Assert.Equal(2, code);
        Assert.Contains("only --threads may be given", output, StringComparison.Ordinal);

        (code, output) = Mtl.Run("eval", "--checkpoint", Path.Combine(tmp.Path, "none"));
        Assert.Equal(1, code);
        Assert.Contains("No complete checkpoint", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedCheckpointStopsAResumeWithTheFileNamed()
    {
        using var tmp = new TempFolder();
        string run = Path.Combine(tmp.Path, "run");
        var (code, output) = Mtl.Run("train", "--scale", "0.01", "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        File.Delete(Path.Combine(run, "complete.json"));
        string state = Path.Combine(run, "checkpoints", "last", "trainer.json");
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"loop/step\"", "\"loop/steps\"", StringComparison.Ordinal));
        (code, output) = Mtl.Run("train", "--resume", run);
        Assert.Equal(1, code);
        Assert.Contains("trainer.json", output, StringComparison.Ordinal);
        Assert.Contains("loop/step", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);

        string weights = Path.Combine(run, "checkpoints", "last", "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..40]);
        (code, output) = Mtl.Run("eval", "--checkpoint", Path.Combine(run, "checkpoints", "last"));
        Assert.Equal(1, code);
        Assert.Contains("model.safetensors", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
