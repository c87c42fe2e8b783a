using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Run-level settings of a tagging experiment. Null ablation switches keep the method's own configuration
/// (<see cref="Models.Tagging.TaggerConfig.ForMethod"/>).
/// </summary>
public sealed record TaggingSettings
{
    /// <summary>Seed (initialisation, data order, noise).</summary>
    public int Seed { get; init; }

    /// <summary>Folder with <c>ud-english-ewt/</c> (or the EWT folder itself).</summary>
    public string DataDirectory { get; init; } = "data";

    /// <summary>Training genre (answers, email, newsgroup, reviews, weblog).</summary>
    public string TrainGenre { get; init; } = "answers";

    /// <summary>
    /// Sentences per update. Preset default 8: chosen on the answers dev split (see docs in
    /// <see cref="TaggingExperiments"/>); 1 is the paper's per-sentence SGD.
    /// </summary>
    public int BatchSize { get; init; } = TaggingExperiments.DefaultBatchSize;

    /// <summary>Learning rate (null: the preset's default for the batch size).</summary>
    public float? LearningRate { get; init; }

    /// <summary>Adam instead of SGD.</summary>
    public bool Adam { get; init; }

    /// <summary>Maximum epochs (30).</summary>
    public int MaxEpochs { get; init; } = 30;

    /// <summary>Global gradient-norm clip (<see cref="TaggingExperiments.ClipNorm"/>, DyNet's 5).</summary>
    public float ClipNorm { get; init; } = TaggingExperiments.ClipNorm;

    /// <summary>Early-stopping patience (2).</summary>
    public int Patience { get; init; } = 2;

    /// <summary>Fraction of the training sentences used per epoch (a quick-run control; 1 = all).</summary>
    public double EpochFraction { get; init; } = 1.0;

    /// <summary>
    /// The share of the training genre's train sentences the run trains on (transfer studies; 1 = all):
    /// ⌈fraction·n⌉ sentences (at least one) drawn by the seed alone (<see cref="TaggingExperiments.TrainShare"/>), so
    /// every task and run of a seed sees the same sentences. Vocabularies still come from every training sentence, so
    /// a run on a share has the same embedding tables as one on all of them.
    /// </summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>Word dropout to &lt;unk&gt; in training.</summary>
    public float WordDropout { get; init; }

    /// <summary>Gaussian input noise σ (bilty: 0.2).</summary>
    public float InputNoise { get; init; }

    /// <summary>Ablation: α initialisation.</summary>
    public AlphaInit? AlphaInit { get; init; }

    /// <summary>Ablation: α learned or constant.</summary>
    public bool? AlphaLearned { get; init; }

    /// <summary>Ablation: layer connection (β stitch, concat, skip, last).</summary>
    public LayerConnection? Connection { get; init; }

    /// <summary>Ablation: subspaces per layer.</summary>
    public int? Subspaces { get; init; }

    /// <summary>Ablation: orthogonality weight.</summary>
    public float? OrthogonalityWeight { get; init; }

    /// <summary>Loss weighting (null: fixed λ = 1 for every method, sluice included — chosen on dev).</summary>
    public LossWeightingKind? Weighting { get; init; }


    /// <summary>Which tasks each step trains (default: every task, as the paper).</summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.All;

    /// <summary>T of the temperature sampler.</summary>
    public double SamplingTemperature { get; init; } = 2.0;

    /// <summary>A gradient aggregator instead of the loss weighting (needs a sampler that draws every task per step).</summary>
    public AggregatorKind Aggregator { get; init; } = AggregatorKind.None;

    /// <summary>Hyperparameters of <see cref="Aggregator"/> (e.g. c of CAGrad).</summary>
    public IReadOnlyDictionary<string, double> AggregatorOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the sampler (the adaptive sampler's tau and target.TASK values).</summary>
    public IReadOnlyDictionary<string, double> SamplerOptions { get; init; } = new Dictionary<string, double>();

    /// <summary>Hyperparameters of the loss weighting (e.g. DWA's temperature).</summary>
    public IReadOnlyDictionary<string, double> WeightingOptions { get; init; } = new Dictionary<string, double>();
}
