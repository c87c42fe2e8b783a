using MtlSharp.Tensors;

namespace MtlSharp.NN.Optim;

/// <summary>
/// An optimizer's state in checkpointable form: named tensors (<c>{parameter}.exp_avg</c>,
/// <c>{parameter}.exp_avg_sq</c>, <c>{parameter}.momentum_buffer</c>) and named scalars kept as invariant strings
/// (<c>{parameter}.step</c>, <c>lr.{group}</c>), which <see cref="Checkpoints.Checkpoint"/> writes as one
/// safetensors file (scalars go in its <c>__metadata__</c>).
/// </summary>
public sealed class OptimizerState
{
    /// <summary>Creates a state from its parts.</summary>
    public OptimizerState(IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> scalars)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(scalars);
        Tensors = tensors;
        Scalars = scalars;
    }

    /// <summary>The state tensors (copies; own their storage).</summary>
    public IReadOnlyList<(string Name, Tensor Value)> Tensors { get; }

    /// <summary>Scalar state as invariant-culture strings.</summary>
    public IReadOnlyDictionary<string, string> Scalars { get; }
}
