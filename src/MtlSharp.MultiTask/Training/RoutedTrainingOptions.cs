using MtlSharp.MultiTask.Routing;

namespace MtlSharp.MultiTask.Training;

/// <summary>Hyper-parameters of a routed (Gumbel-Matrix or fixed-allocation) training run.</summary>
public sealed record RoutedTrainingOptions
{
    /// <summary>Rounds; each round is one batch (one update) per task (spec A7).</summary>
    public required long Rounds { get; init; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Adam learning rate of the model's weights.</summary>
    public float ModelLearningRate { get; init; } = 0.005f;

    /// <summary>Adam learning rate of the router logits (separate optimizer; rule of thumb T × the model's).</summary>
    public float RouterLearningRate { get; init; } = 0.005f;

    /// <summary>Budget b of the penalty λ·max(0, e_c − b); null for none.</summary>
    public float? Budget { get; init; }

    /// <summary>Budget penalty weight λ.</summary>
    public float BudgetLambda { get; init; } = 1f;

    /// <summary>Global-norm gradient clipping over model and router gradients together; 0 turns it off.</summary>
    public float ClipNorm { get; init; }

    /// <summary>Gumbel-Softmax temperature schedule.</summary>
    public TemperatureSchedule Temperature { get; init; } = TemperatureSchedule.Annealed;

    /// <summary>Evaluate (and checkpoint) every this many rounds; 0 evaluates only at the end.</summary>
    public long EvaluateEveryRounds { get; init; }

    /// <summary>
    /// Evaluate with sampled allocations instead of the maximum-likelihood one (paper Sec. III-C: both work once the
    /// probabilities have converged). Off by default.
    /// </summary>
    public bool SampleAtEvaluation { get; init; }

    /// <summary>Batch size at evaluation.</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>Points per task on the loss curves (losses are averaged within each point's window).</summary>
    public int CurvePoints { get; init; } = 300;

    /// <summary>Snapshots of the allocation probabilities over training.</summary>
    public int AllocationSnapshots { get; init; } = 200;

    /// <summary>Seed of the run: data order, Gumbel noise, dropout (initialisation uses its own split).</summary>
    public ulong Seed { get; init; }

    /// <summary>Where checkpoints go (best and last); null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Strings stored in every checkpoint's metadata (preset, method, seed…) so it can be re-evaluated alone.</summary>
    public IReadOnlyDictionary<string, string> CheckpointTags { get; init; } = new Dictionary<string, string>();
}
