using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models;

/// <summary>
/// A model that can compute one shared representation z per step — the input every task head reads — so the loop
/// can aggregate per-task gradients with respect to z instead of the shared parameters
/// (<see cref="Strategies.Aggregation.GradientSpace.Representation"/>; MGDA-UB, LibMTL's <c>rep_grad</c>).
/// </summary>
public interface IRepresentationModel
{
    /// <summary>Why this model cannot give one shared representation (e.g. a learned routing), or null when it can.</summary>
    string? RepresentationUnavailable { get; }

    /// <summary>
    /// The parameters z depends on (the shared part, before the heads); every other parameter gets its ordinary
    /// per-task gradient.
    /// </summary>
    IReadOnlyList<Parameter> RepresentationParameters { get; }

    /// <summary>
    /// Outputs for each part of <paramref name="batch"/> (as <see cref="IMultiTaskModel.Forward"/>) computed from one
    /// shared representation, returned in <paramref name="representation"/> ([rows, features]). Every part must read
    /// the same input; otherwise an <see cref="ArgumentException"/> says so.
    /// </summary>
    IReadOnlyList<Tensor> ForwardWithRepresentation(MultiTaskBatch batch, in ForwardContext context, out Tensor representation);
}
