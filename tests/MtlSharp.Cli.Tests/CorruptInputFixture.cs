namespace MtlSharp.Cli.Tests;

/// <summary>
/// For <see cref="CorruptInputTests"/>: one small finished run (a tiny CSV configuration, under a second of training)
/// whose last checkpoint the damaged-checkpoint cases copy and break; trained on first use, deleted with the fixture.
/// </summary>
public sealed class CorruptInputFixture : IDisposable
{
    private readonly TempFolder _tmp = new();
    private readonly Lazy<string> _checkpoint;

    public CorruptInputFixture() => _checkpoint = new Lazy<string>(Train);

    /// <summary>The valid checkpoint folder (do not change it; copy it).</summary>
    public string Checkpoint => _checkpoint.Value;

    public void Dispose() => _tmp.Dispose();

    private string Train()
    {
        string run = Path.Combine(_tmp.Path, "run"), config = Path.Combine(_tmp.Path, "c.json");
        File.WriteAllText(Path.Combine(_tmp.Path, "t.csv"), CorruptInputTests.Table);
        File.WriteAllText(config, CorruptInputTests.CsvConfig);
        var (code, output) = Mtl.Run("train", "--config", config, "--data", _tmp.Path, "--no-tensorboard", "--out", run);
        Assert.True(code == 0, output);
        return Path.Combine(run, "checkpoints", "last");
    }
}
