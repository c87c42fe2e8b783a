using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.NN.Optim;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Training;

/// <summary>
/// How the one training loop (<see cref="Trainer"/>) trains: the schedule (steps, evaluation, patience), the
/// strategies (task sampler, loss weighting or gradient aggregator), the optimizers, clipping, and the random stream
/// of the forward passes.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Maximum updates.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>
    /// The optimizers; every one steps after every update (several optimizers, or groups, carry their own learning
    /// rates — e.g. Gumbel-Matrix's router). Their parameters together must cover what should train.
    /// </summary>
    public required IReadOnlyList<IOptimizer> Optimizers { get; init; }

    /// <summary>Learning-rate schedules, one per optimizer (null entries, or a null list: constant).</summary>
    public IReadOnlyList<ILearningRateSchedule?>? Schedules { get; init; }

    /// <summary>Which tasks each step holds.</summary>
    public required ITaskSampler Sampler { get; init; }

    /// <summary>The loss weighting (default: every task weight 1). Exclusive with <see cref="Aggregator"/>.</summary>
    public ILossWeighting? Weighting { get; init; }

    /// <summary>
    /// A gradient aggregator over the per-task gradients of the shared parameters, instead of a loss weighting;
    /// needs a sampler that puts several tasks in a step.
    /// </summary>
    public IGradientAggregator? Aggregator { get; init; }

    /// <summary>
    /// Where the aggregator's per-task gradients are taken: the shared parameters (default) or the shared
    /// representation (MGDA-UB, LibMTL's <c>rep_grad</c>; the model must be an <see cref="Models.IRepresentationModel"/>).
    /// </summary>
    public GradientSpace GradientSpace { get; init; } = GradientSpace.Parameters;

    /// <summary>Global-norm gradient clipping over every parameter (model, then strategy); 0 turns it off.</summary>
    public float ClipNorm { get; init; }

    /// <summary>Evaluate on the validation split (or the test split when there is none) every this many updates; 0: only at the end.</summary>
    public long EvaluateEvery { get; init; }

    /// <summary>Stop after this many evaluations without a better validation score; 0 never stops early.</summary>
    public int Patience { get; init; }

    /// <summary>Keep the parameters of the best validation evaluation and end with them (where a validation split exists).</summary>
    public bool KeepBest { get; init; } = true;

    /// <summary>The task whose validation metric selects the model (the main task), or null for the mean over tasks of the direction-signed metrics.</summary>
    public int? SelectionTask { get; init; }

    /// <summary>Gumbel-Softmax temperature by update (models without sampling ignore it).</summary>
    public TemperatureSchedule Temperature { get; init; } = TemperatureSchedule.Annealed;

    /// <summary>The random stream of the forward passes (Gumbel noise, dropout, input noise, word dropout).</summary>
    public required Rng Noise { get; init; }

    /// <summary>
    /// Use a fresh buffer arena every this many updates (0: one arena for the run). Inputs of varying shape (padded
    /// sentence batches) keep asking the pool for new sizes; renewal bounds its memory.
    /// </summary>
    public int RenewArenaEvery { get; init; }

    /// <summary>
    /// Data-parallel training across processes (null: one process). Each process computes its share of the rows of
    /// every batch; the per-task losses, gradients and per-task gradient rows are combined through the reducer after
    /// the backward pass and before clipping, so every process applies the whole batch's update.
    /// </summary>
    public IGradientReducer? GradientReducer { get; init; }

    /// <summary>
    /// Knowledge distillation from teachers (null: none): each task's loss becomes (1 − λ)·hard + λ·soft-target term,
    /// before the weighting or aggregator sees it (<see cref="Distillation.Distiller"/>).
    /// </summary>
    public Distillation.Distiller? Distillation { get; init; }
}
