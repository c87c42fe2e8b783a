using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Strategies.Weighting;

/// <summary>
/// A loss-weighting strategy (LibMTL's <c>weighting/</c>): turns the losses of the tasks present in a step into the
/// one scalar that is back-propagated. Strategies with learned state expose it through <see cref="Parameters"/>
/// (kind <see cref="ParameterKind.Strategy"/>), which the experiment gives an optimizer.
/// </summary>
public interface ILossWeighting
{
    /// <summary>Stable name ("fixed", "uncertainty").</summary>
    string Name { get; }

    /// <summary>Learned parameters (empty for fixed weights).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// The combined loss [] of the step's tasks: <paramref name="tasks"/>[i] is the task index of
    /// <paramref name="losses"/>[i] (each []), which sums <paramref name="observations"/>[i] independent observations
    /// (1 for a per-example mean; labelled tokens per sentence for a tagger). Strategies whose regulariser comes
    /// from a per-observation likelihood (uncertainty weighting) scale it by the count; the others ignore it.
    /// </summary>
    Tensor Combine(ReadOnlySpan<int> tasks, ReadOnlySpan<Tensor> losses, ReadOnlySpan<float> observations);

    /// <summary>The current effective weight of each task's loss (for reports).</summary>
    double[] Weights();
}
