namespace MtlSharp.MultiTask.Tagging;

/// <summary>
/// How the tagger is trained (spec B5, D16). The paper's setting is per-sentence SGD (batch 1, LR 0.1); batches
/// of several sentences are much faster per token. The loss of a batch is the token losses summed per sentence
/// and averaged over the batch's sentences, so LR 0.1 with batch 1 is exactly the paper's update.
/// </summary>
public sealed record TaggerTrainingOptions
{
    /// <summary>Sentences per update.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Learning rate.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>
    /// Learning-rate factor of the loss-weighting strategy's parameters (default 0.01). Uncertainty weighting's
    /// log-variance s_m has gradient ½(1 − e^(−s_m)·L_m); with per-sentence summed token losses (L ≈ 20–50 nats at
    /// the start) and the model's LR it jumps to s ≈ log L within a few updates, which divides every task gradient
    /// by ≈ 2L, i.e. cuts the effective learning rate some 50-fold (measured: a tiny sluice model's loss fell 4%
    /// instead of 20% in 60 updates). A slower strategy LR lets the weights follow the losses over epochs instead.
    /// </summary>
    public float StrategyLearningRateScale { get; init; } = 0.01f;

    /// <summary>Use Adam instead of plain SGD.</summary>
    public bool Adam { get; init; }

    /// <summary>Global gradient-norm clip (DyNet's trainers clip at 5 by default); 0 disables.</summary>
    public float ClipNorm { get; init; } = 5f;

    /// <summary>Maximum epochs (30).</summary>
    public int MaxEpochs { get; init; } = 30;

    /// <summary>Stop after this many epochs without a better main-task dev accuracy (2, as the paper).</summary>
    public int Patience { get; init; } = 2;

    /// <summary>Fraction of the training sentences used each epoch (1: all; smaller for quick runs).</summary>
    public double EpochFraction { get; init; } = 1.0;

    /// <summary>Probability of replacing a training word by &lt;unk&gt; (so the unknown-word embedding is trained); 0 disables.</summary>
    public float WordDropout { get; init; }

    /// <summary>Seed of the data order, noise and word dropout.</summary>
    public ulong Seed { get; init; }

    /// <summary>Sentences per batch at evaluation.</summary>
    public int EvalBatchSize { get; init; } = 64;
}
