using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models;

/// <summary>
/// The contract every multi-task model fulfils for the one training loop: a forward pass over a multi-task batch
/// returning one output per batch part; the shared parameters (what gradient aggregation acts on); the model's own
/// regularisers (added to the objective by the loop); and what it has learned about sharing, as named scalars for
/// logs and TensorBoard.
/// </summary>
public interface IMultiTaskModel
{
    /// <summary>The module holding every parameter (checkpoints, optimizers, train/eval mode).</summary>
    Module Module { get; }

    /// <summary>Number of tasks.</summary>
    int TaskCount { get; }

    /// <summary>
    /// Outputs for each part of <paramref name="batch"/>, in part order: logits [rows, classes] for classification
    /// and tagging, predictions [rows, 1] or [rows] for regression.
    /// </summary>
    IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context);

    /// <summary>Parameters shared between tasks — the ones a gradient aggregator combines per-task gradients for.</summary>
    IReadOnlyList<Parameter> SharedParameters { get; }

    /// <summary>
    /// The shared representation of the last forward pass (the input every task head reads), or null where the model
    /// has none (routed and per-task networks).
    /// </summary>
    Tensor? SharedRepresentation { get; }

    /// <summary>The model's regularisers (Gumbel budget, sluice orthogonality), each added to the objective.</summary>
    IReadOnlyList<IRegularizer> Regularizers { get; }

    /// <summary>What the model learned about sharing (allocation probabilities, α, β), as named scalars.</summary>
    IReadOnlyList<(string Name, double Value)> SharingScalars();
}
