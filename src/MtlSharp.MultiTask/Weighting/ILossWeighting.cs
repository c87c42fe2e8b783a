using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Weighting;

/// <summary>
/// A loss-weighting strategy (LibMTL's <c>weighting/</c>): turns the per-task scalar losses into the one scalar
/// that is back-propagated. Strategies with learned state expose it through <see cref="Parameters"/> (kind
/// <see cref="ParameterKind.Strategy"/>), which the trainer hands to its optimizer.
/// </summary>
public interface ILossWeighting
{
    /// <summary>Stable name ("fixed", "uncertainty").</summary>
    string Name { get; }

    /// <summary>Learned parameters (empty for fixed weights).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The combined loss [] from the task losses (each []), in task order.</summary>
    Tensor Combine(ReadOnlySpan<Tensor> taskLosses);

    /// <summary>
    /// The combined loss when each task loss sums <paramref name="observations"/>[m] independent observations (for
    /// a tagger: labelled tokens per sentence). Strategies whose regulariser comes from a per-observation likelihood
    /// (uncertainty weighting) scale it by the count; the others ignore the counts.
    /// </summary>
    Tensor Combine(ReadOnlySpan<Tensor> taskLosses, ReadOnlySpan<float> observations) => Combine(taskLosses);

    /// <summary>The current effective weight of each task's loss (for reports).</summary>
    double[] Weights();
}
