using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models;

/// <summary>A term a model adds to the training objective (already weighted), e.g. a budget or orthogonality penalty.</summary>
public interface IRegularizer
{
    /// <summary>Name for logs ("budget", "orthogonality").</summary>
    string Name { get; }

    /// <summary>The weighted penalty [] for this batch, or null when it does not apply.</summary>
    Tensor? Compute(MultiTaskBatch batch, in ForwardContext context);
}
