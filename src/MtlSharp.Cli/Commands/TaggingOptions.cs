using System.CommandLine;

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
    private readonly Option<string?> weighting = new("--weighting") { Description = "Task-loss weighting: fixed (λ = 1, the default for every method, chosen on dev) or uncertainty (learned, Kendall et al.)." };
    private readonly Option<float> inputNoise = new("--input-noise") { Description = "Gaussian noise σ added in training to the word representations and to each task's final representation (bilty: 0.2; 0 = off).", DefaultValueFactory = _ => 0f };
    private readonly Option<float> wordDropout = new("--word-dropout") { Description = "Probability of replacing a training word by <unk> (0 = off).", DefaultValueFactory = _ => 0f };

    /// <summary>Adds every switch to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Option[] all = [maxEpochs, batchSize, learningRate, adam, alphaInit, alphaLearned, connection, subspaces, orthogonality, weighting, inputNoise, wordDropout];
        foreach (var o in all)
        {
            command.Options.Add(o);
        }
    }

    /// <summary>The typed settings from a parsed command line.</summary>
    public MtlSharp.MultiTask.Experiments.TaggingSettings Settings(ParseResult r, string dataDir, double scale)
    {
        ArgumentNullException.ThrowIfNull(r);
        return TaggingCommands.Settings(
            dataDir, scale, r.GetValue(maxEpochs), r.GetValue(batchSize), r.GetValue(learningRate), r.GetValue(adam),
            r.GetValue(alphaInit), r.GetValue(alphaLearned), r.GetValue(connection), r.GetValue(subspaces), r.GetValue(orthogonality),
            r.GetValue(weighting), r.GetValue(inputNoise), r.GetValue(wordDropout));
    }
}
