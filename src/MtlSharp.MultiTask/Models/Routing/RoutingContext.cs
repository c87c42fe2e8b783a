using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>What a routed forward pass needs besides its input.</summary>
/// <param name="Task">The task of the current batch (each batch holds one task).</param>
/// <param name="Training">Training pass: Gumbel sampling and dropout on.</param>
/// <param name="Tau">Gumbel-Softmax temperature for this update.</param>
/// <param name="Rng">Source of Gumbel noise and dropout masks.</param>
/// <param name="SampleAtEvaluation">At evaluation, sample allocations (without gradient) instead of taking the
/// maximum-likelihood allocation (paper Sec. III-C notes both work once probabilities converge).</param>
/// <param name="Rows">Which rows of the batch the input holds (data parallelism): per-row noise (dropout, noisy gates)
/// is drawn for the whole batch and the share's rows kept. Default: the whole batch.</param>
public readonly record struct RoutingContext(int Task, bool Training, float Tau, Rng Rng, bool SampleAtEvaluation = false, RowShare Rows = default);
