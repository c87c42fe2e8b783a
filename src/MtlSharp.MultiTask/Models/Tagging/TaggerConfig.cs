using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;

namespace MtlSharp.MultiTask.Models.Tagging;

/// <summary>
/// The BiLSTM tagger's architecture (spec B1, B5 sizes): word embeddings, a character BiLSTM, K stacked BiLSTM
/// layers, a 100-unit ReLU MLP per task; plus the sharing switches that make it single task, hard sharing, low
/// supervision, cross-stitch, a sluice network, or any ablation in between.
/// </summary>
public sealed record TaggerConfig
{
    /// <summary>Word embedding size (64).</summary>
    public int WordDim { get; init; } = 64;

    /// <summary>Character embedding size (100).</summary>
    public int CharDim { get; init; } = 100;

    /// <summary>Character LSTM hidden size per direction (100): words get 2·CharHidden character features.</summary>
    public int CharHidden { get; init; } = 100;

    /// <summary>Hidden units per direction of each word BiLSTM layer (100).</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>BiLSTM layers K (3).</summary>
    public int Layers { get; init; } = 3;

    /// <summary>Hidden units of each task's output MLP (100).</summary>
    public int MlpHidden { get; init; } = 100;

    /// <summary>Characters kept per word (longer words, e.g. URLs, are truncated).</summary>
    public int MaxWordChars { get; init; } = 30;

    /// <summary>One BiLSTM stack per task (cross-stitch, sluice) instead of one shared stack.</summary>
    public bool PerTaskNetworks { get; init; }

    /// <summary>Subspaces S per layer (1: cross-stitch; 2: sluice). Only with <see cref="PerTaskNetworks"/>.</summary>
    public int Subspaces { get; init; } = 1;

    /// <summary>Whether α is trained (false: kept at its initial value, the "constant α" ablation).</summary>
    public bool AlphaLearned { get; init; } = true;

    /// <summary>α initialisation.</summary>
    public AlphaInit AlphaInit { get; init; } = AlphaInit.Imbalanced;

    /// <summary>What each task's output MLP reads.</summary>
    public LayerConnection Connection { get; init; } = LayerConnection.Last;

    /// <summary>β initialisation (for <see cref="LayerConnection.Stitch"/>).</summary>
    public BetaInit BetaInit { get; init; } = BetaInit.Imbalanced;

    /// <summary>Weight of the subspace orthogonality penalty (0.1 for sluice; 0 disables it).</summary>
    public float OrthogonalityWeight { get; init; }

    /// <summary>Per task, the 1-based layer its output reads (null: the last layer for every task). Low supervision: main K, auxiliaries 1.</summary>
    public int[]? PredictionLayers { get; init; }

    /// <summary>Standard deviation of Gaussian noise added in training to the word representation and to each task's final representation before its output MLP (bilty uses 0.2 at both places; 0 disables).</summary>
    public float InputNoise { get; init; }

    /// <summary>The configuration of <paramref name="method"/> for <paramref name="tasks"/> tasks (main task first).</summary>
    /// <remarks>
    /// Sluice deviates from the paper in one switch, chosen on the dev split (weblog, seed 0; see
    /// <c>Tagging/README.md</c>): the output MLP reads the last layer (<see cref="LayerConnection.Last"/>) instead of
    /// the learned β mixture. The unconstrained β drifted to the first layer (β₁ 1.6–2.7, or −2.5 with uncertainty
    /// weighting) and cost 2–3 points of main-task dev accuracy (stitch 77.4, concat 78.3, last 80.5). The paper's
    /// β mixture stays available (<c>Connection = Stitch</c>, CLI <c>--connection stitch</c>); α subspace mixing,
    /// two subspaces and the orthogonality penalty (0.1) are as in the paper.
    /// </remarks>
    public static TaggerConfig ForMethod(TaggingMethod method, int tasks) => method switch
    {
        TaggingMethod.SingleTask or TaggingMethod.HardSharing => new TaggerConfig(),
        TaggingMethod.LowSupervision => new TaggerConfig { PredictionLayers = [3, .. Enumerable.Repeat(1, tasks - 1)] },
        TaggingMethod.CrossStitch => new TaggerConfig { PerTaskNetworks = true, Subspaces = 1, AlphaInit = AlphaInit.Imbalanced, Connection = LayerConnection.Last },
        TaggingMethod.Sluice => new TaggerConfig
        {
            PerTaskNetworks = true,
            Subspaces = 2,
            AlphaInit = AlphaInit.Imbalanced,
            Connection = LayerConnection.Last,
            BetaInit = BetaInit.Imbalanced,
            OrthogonalityWeight = 0.1f,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };
}
