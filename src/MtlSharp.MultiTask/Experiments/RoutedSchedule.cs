using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Models.Routing;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>The training hyper-parameters of a routed (Gumbel-Matrix or fixed-allocation) preset.</summary>
public sealed record RoutedSchedule
{
    /// <summary>Rounds; each round is one batch (one update) per task (spec A7).</summary>
    public required long Rounds { get; init; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Adam learning rate of the model's weights.</summary>
    public float ModelLearningRate { get; init; } = 0.005f;

    /// <summary>Adam learning rate of the router logits (a separate optimizer).</summary>
    public float RouterLearningRate { get; init; } = 0.005f;

    /// <summary>Examples per evaluation batch.</summary>
    public int EvaluationBatchSize { get; init; } = 256;

    /// <summary>L2 penalty λ on weight matrices and kernels (0: none).</summary>
    public float L2 { get; init; }

    /// <summary>Initial weight of the per-example routers' balancing loss, annealed to 0 over the run (0: none).</summary>
    public float ExpertBalance { get; init; }

    /// <summary>Budget b of the penalty λ·max(0, e_t − b); null for none.</summary>
    public float? Budget { get; init; }

    /// <summary>Budget penalty weight λ.</summary>
    public float BudgetLambda { get; init; } = 1f;

    /// <summary>Global-norm gradient clipping; 0 turns it off.</summary>
    public float ClipNorm { get; init; }

    /// <summary>Gumbel-Softmax temperature schedule.</summary>
    public TemperatureSchedule Temperature { get; init; } = TemperatureSchedule.Annealed;

    /// <summary>Evaluate (and checkpoint) every this many rounds; 0 evaluates only at the end.</summary>
    public long EvaluateEveryRounds { get; init; }

    /// <summary>Soft-sharing weight λ tying each layer's components (0: none).</summary>
    public float SoftSharing { get; init; }

    /// <summary>Plain SGD instead of Adam.</summary>
    public bool Sgd { get; init; }

    /// <summary>Early-stopping patience in evaluations (0: none).</summary>
    public int Patience { get; init; }

    /// <summary>The task whose validation metric selects the best evaluation (null: the mean score).</summary>
    public int? SelectionTask { get; init; }

    /// <summary>Points per task on the loss curves.</summary>
    public int CurvePoints { get; init; } = 300;

    /// <summary>Snapshots of the allocation probabilities over training.</summary>
    public int AllocationSnapshots { get; init; } = 200;

    /// <summary>Pad-and-crop augmentation of the training batches (null: none).</summary>
    public PadCropSpec? Augment { get; init; }
}
