using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>A dense input [B, …] (images, feature vectors).</summary>
public sealed class TensorInput(Tensor value) : BatchInput
{
    /// <summary>The input tensor; its first axis is the batch.</summary>
    public Tensor Value { get; } = value ?? throw new ArgumentNullException(nameof(value));
}
