using System.Globalization;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// The tagging presets (<c>ewt-domains</c>, <c>ewt-domains-xpos</c>) behind <c>mtl train</c> and <c>mtl reproduce</c>:
/// sluice networks and the sequence-tagging baselines across the UD English-EWT genres. Strings from the command
/// line become typed settings here and nowhere else.
/// </summary>
internal static class TaggingCommands
{
    /// <summary>True when <paramref name="preset"/> names a tagging preset (route it here instead of the Gumbel presets).</summary>
    public static bool IsTaggingPreset(string preset) => TaggingExperiments.ParsePreset(preset) is not null;

    /// <summary>
    /// Ablation and training switches shared by <see cref="Train"/> and <see cref="Reproduce"/>. Null keeps the
    /// method's own setting. <paramref name="scale"/> below 1 uses that fraction of the training sentences per epoch
    /// (a quick run); <paramref name="maxEpochs"/> caps the epochs (30).
    /// </summary>
    public static TaggingSettings Settings(
        string dataDir, double scale = 1.0, int maxEpochs = 30, int? batchSize = null, float? learningRate = null, bool adam = false,
        string? alphaInit = null, bool? alphaLearned = null, string? connection = null, int? subspaces = null, float? orthogonality = null,
        string? weighting = null, float inputNoise = 0f, float wordDropout = 0f)
    {
        if (scale <= 0)
        {
            throw new UsageException($"--scale must be positive, got {scale.ToString(CultureInfo.InvariantCulture)}");
        }

        return new TaggingSettings
        {
            DataDirectory = dataDir,
            EpochFraction = Math.Min(1.0, scale),
            MaxEpochs = maxEpochs,
            BatchSize = batchSize ?? TaggingExperiments.DefaultBatchSize,
            LearningRate = learningRate,
            Adam = adam,
            AlphaInit = alphaInit is null ? null : Parse<AlphaInit>(alphaInit, "alpha init", ["balanced", "imbalanced"]),
            AlphaLearned = alphaLearned,
            Connection = connection is null ? null : Parse<LayerConnection>(connection, "layer connection", ["last", "stitch", "skip", "concat"]),
            Subspaces = subspaces,
            OrthogonalityWeight = orthogonality,
            Weighting = weighting is null ? null : Parse<LossWeightingKind>(weighting, "loss weighting", ["fixed", "uncertainty"]),
            InputNoise = inputNoise,
            WordDropout = wordDropout,
        };
    }

    /// <summary>
    /// <c>mtl train --preset ewt-domains --method sluice --seed S --genre G</c>: one run; writes report.json,
    /// report.html and checkpoints/model.safetensors into <paramref name="outDir"/> (default
    /// <c>runs/&lt;preset&gt;-&lt;method&gt;-&lt;genre&gt;-s&lt;seed&gt;</c>). Returns the exit code.
    /// </summary>
    public static int Train(string preset, string? method, int seed, string genre, string? outDir, TaggingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var p = TaggingExperiments.ParsePreset(preset) ?? throw new UsageException($"unknown tagging preset '{preset}'");
        var m = method is null ? TaggingMethod.Sluice : ParseMethod(method);
        CheckGenre(genre);
        string dir = outDir ?? Path.Combine("runs", $"{preset}-{TaggingExperiments.Name(m)}-{genre}-s{seed}");
        using var cts = CancelOnCtrlC();
        var report = TaggingExperiments.Run(
            p, m, settings with { Seed = seed, TrainGenre = genre, CheckpointDirectory = Path.Combine(dir, "checkpoints") },
            dir, new Progress(Console.Error, $"{preset}/{TaggingExperiments.Name(m)}/{genre} seed {seed}: "), cts.Token);
        var (inD, outD) = TaggingTable.Scores(report);
        var ci = CultureInfo.InvariantCulture;
        foreach (var t in report.Tasks)
        {
            Console.WriteLine(string.Create(ci, $"  {t.Name,-20} test accuracy {t.Test * 100:F2}{(t.Valid is { } v ? $"  dev {v * 100:F2}" : "")}"));
        }

        Console.WriteLine(string.Create(ci, $"  {(genre == EwtCorpus.AllGenres ? "all of EWT" : "in-domain")} {inD * 100:F2}, {(genre == EwtCorpus.AllGenres ? "mean over genres" : "average out-of-domain")} {outD * 100:F2}; best epoch {report.Environment["bestEpoch"]} of {report.Environment["epochs"]}; {report.Environment["tokensPerSecond"]} training tokens/s over {report.TrainSeconds:F1} s"));
        foreach (var mat in report.Matrices)
        {
            Console.WriteLine($"  {mat.Name}: {string.Join("; ", mat.Values.Select((row, i) => mat.RowLabels[i] + " " + string.Join(" ", row.Select(v => v.ToString("F3", ci)))))}");
        }

        Console.WriteLine($"  wrote {Path.Combine(dir, "report.json")} and report.html");
        return cts.IsCancellationRequested ? 130 : 0;
    }

    /// <summary>
    /// <c>mtl reproduce ewt-domains --seeds N [--methods a,b] [--genres g,h]</c>: every training genre × method ×
    /// seed into <c>&lt;outRoot&gt;/&lt;genre&gt;/&lt;method&gt;-s&lt;seed&gt;/</c> (finished runs are reused, so an interrupted
    /// reproduction resumes), then prints and writes <c>table.md</c>: in-domain and average out-of-domain accuracy
    /// per training genre and method (mean over seeds), error reductions, and the learned α/β of the sluice runs.
    /// With <paramref name="tableOnly"/> nothing is trained: the table covers the runs that have finished.
    /// </summary>
    public static int Reproduce(string preset, int seeds, int firstSeed, string? methods, string? genres, string? outRoot, TaggingSettings settings, bool tableOnly = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var p = TaggingExperiments.ParsePreset(preset) ?? throw new UsageException($"unknown tagging preset '{preset}'");
        if (seeds < 1)
        {
            throw new UsageException($"--seeds must be at least 1, got {seeds}");
        }

        var ms = methods is null ? TaggingExperiments.Methods : Split(methods).Select(ParseMethod).ToArray();
        var gs = genres is null ? UdEnglishEwt.Genres : Split(genres).ToArray();
        foreach (string g in gs)
        {
            CheckGenre(g);
        }

        string root = outRoot ?? Path.Combine("runs", $"reproduce-{preset}");
        using var cts = CancelOnCtrlC();
        TaggingReproduction.Run(p, gs, ms, Enumerable.Range(firstSeed, seeds).ToArray(), settings, root, Console.Error.WriteLine, cts.Token, trainMissing: !tableOnly);
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(Path.Combine(root, "table.md")));
        Console.WriteLine($"wrote {Path.Combine(root, "table.md")}");
        return 0;
    }

    private static TaggingMethod ParseMethod(string name) =>
        TaggingExperiments.ParseMethod(name)
        ?? throw new UsageException($"unknown tagging method '{name}'; expected one of: {string.Join(", ", TaggingExperiments.Methods.Select(TaggingExperiments.Name))}");

    private static void CheckGenre(string genre)
    {
        if (!UdEnglishEwt.Genres.Contains(genre) && genre != EwtCorpus.AllGenres)
        {
            throw new UsageException($"unknown genre '{genre}'; expected one of: {string.Join(", ", UdEnglishEwt.Genres)}, {EwtCorpus.AllGenres}");
        }
    }

    private static T Parse<T>(string value, string what, string[] names)
        where T : struct, Enum
    {
        int i = Array.IndexOf(names, value);
        return i >= 0 ? Enum.GetValues<T>().Single(v => v.ToString().Equals(value, StringComparison.OrdinalIgnoreCase))
            : throw new UsageException($"unknown {what} '{value}'; expected one of: {string.Join(", ", names)}");
    }

    private static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static CancellationTokenSource CancelOnCtrlC()
    {
        var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
            Console.Error.WriteLine("\nstopping after the current batch; the best epoch so far is kept and reported…");
        };
        return cts;
    }

    private sealed class Progress(TextWriter writer, string prefix) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(prefix + value);
    }
}
