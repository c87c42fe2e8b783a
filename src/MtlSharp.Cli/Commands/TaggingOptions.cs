using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json.Nodes;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Sluice;

namespace MtlSharp.Cli.Commands;

/// <summary>
/// The tagging presets' training and ablation switches (<c>mtl train</c> and <c>mtl reproduce</c> with
/// <c>ewt-domains</c>/<c>ewt-domains-xpos</c>). Every switch left out keeps the method's own setting.
/// </summary>
internal sealed class TaggingOptions
{
    private readonly Option<int> maxEpochs = CommonOptions.MaxEpochs();
    private readonly Option<int?> batchSize = new("--batch-size") { Description = "Tagging presets: sentences per update (default 8)." };
    private readonly Option<float?> learningRate = new("--lr") { Description = "Tagging presets: learning rate (default 0.2 for SGD with batch 8, 0.1 with batch 1, 1e-3 with --adam)." };
    private readonly Option<bool> adam = new("--adam") { Description = "Tagging presets: Adam instead of SGD." };
    private readonly Option<string?> alphaInit = new("--alpha-init") { Description = "Sluice/cross-stitch α initialisation: balanced or imbalanced." };
    private readonly Option<bool?> alphaLearned = new("--alpha-learned") { Description = "Sluice/cross-stitch: learn α (true) or keep it at its initial value (false)." };
    private readonly Option<string?> connection = new("--connection") { Description = "Sluice layer connection: stitch (β), concat, skip or last." };
    private readonly Option<int?> subspaces = new("--subspaces") { Description = "Sluice subspaces per layer (1 = none, 2 = the paper's)." };
    private readonly Option<float?> orthogonality = new("--orthogonality") { Description = "Sluice orthogonality-penalty weight (0.1 = the paper's; 0 = off)." };
    private readonly Option<float> inputNoise = new("--input-noise") { Description = "Gaussian noise σ added in training to the word representations and to each task's final representation (bilty: 0.2; 0 = off).", DefaultValueFactory = _ => 0f };
    private readonly Option<float> wordDropout = new("--word-dropout") { Description = "Probability of replacing a training word by <unk> (0 = off).", DefaultValueFactory = _ => 0f };

    /// <summary>Every switch.</summary>
    public Option[] All => [maxEpochs, batchSize, learningRate, adam, alphaInit, alphaLearned, connection, subspaces, orthogonality, inputNoise, wordDropout];

    /// <summary>
    /// Writes the switches given on <paramref name="r"/> into a configuration merge patch (<paramref name="section"/>
    /// gives a section's object): --max-epochs, --batch-size, --lr and --adam for every model; the architecture
    /// switches only for taggers (a usage error otherwise).
    /// </summary>
    public void Patch(ParseResult r, Func<string, JsonObject> section, bool tagger)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(section);
        bool Given(Option o) => r.GetResult(o) is OptionResult { Implicit: false };
        int? bs = r.GetValue(batchSize);
        if (bs is < 1)
        {
            throw new UsageException($"--batch-size must be at least 1, got {bs}");
        }

        int epochs = r.GetValue(maxEpochs);
        if (epochs < 1)
        {
            throw new UsageException($"--max-epochs must be at least 1, got {epochs}");
        }

        if (r.GetValue(learningRate) is { } lr && !(lr > 0 && float.IsFinite(lr)))
        {
            throw new UsageException($"--lr must be a positive number, got {lr.ToString(CultureInfo.InvariantCulture)}");
        }

        float noise = r.GetValue(inputNoise), dropout = r.GetValue(wordDropout);
        if (!(noise >= 0) || float.IsInfinity(noise) || !(dropout >= 0 && dropout < 1))
        {
            throw new UsageException("--input-noise must be a non-negative number and --word-dropout in [0, 1)");
        }

        if (Given(maxEpochs))
        {
            section("schedule")["epochs"] = epochs;
        }

        if (bs is { } b)
        {
            section("schedule")["batchSize"] = b;
        }

        if (r.GetValue(learningRate) is { } rate)
        {
            section("optimizer")["learningRate"] = rate;
        }

        if (r.GetValue(adam))
        {
            section("optimizer")["type"] = "adam";
        }

        Option[] architecture = [alphaInit, alphaLearned, connection, subspaces, orthogonality, inputNoise, wordDropout];
        var given = architecture.Where(Given).ToArray();
        if (given.Length == 0)
        {
            return;
        }

        if (!tagger)
        {
            throw new UsageException($"{string.Join(", ", given.Select(o => o.Name))} appl{(given.Length == 1 ? "ies" : "y")} to tagger models only");
        }

        var model = section("model");
        if (r.GetValue(alphaInit) is { } ai)
        {
            model["alphaInit"] = Check(ai, "alpha init", ["balanced", "imbalanced"]);
        }

        if (r.GetValue(alphaLearned) is { } al)
        {
            model["alphaLearned"] = al;
        }

        if (r.GetValue(connection) is { } c)
        {
            model["connection"] = Check(c, "layer connection", ["last", "stitch", "skip", "concat"]);
        }

        if (r.GetValue(subspaces) is { } sub)
        {
            model["subspaces"] = sub;
        }

        if (r.GetValue(orthogonality) is { } w)
        {
            model["orthogonality"] = w;
        }

        if (Given(inputNoise))
        {
            model["inputNoise"] = noise;
        }

        if (Given(wordDropout))
        {
            model["wordDropout"] = dropout;
        }
    }

    private static string Check(string value, string what, string[] names) =>
        names.Contains(value) ? value : throw new UsageException($"unknown {what} '{value}'; expected one of: {string.Join(", ", names)}");
}
