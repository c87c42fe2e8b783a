using MtlSharp.Tensors;

namespace MtlSharp.NN;

/// <summary>Loss functions (thin, documented wrappers over the engine's fused ops).</summary>
public static class Losses
{
    /// <summary>
    /// Mean softmax cross-entropy of logits [N, C] against class indices (length N), over the rows whose mask is
    /// non-zero (the mask value weights the row; all rows when empty). Returns shape []. See <see cref="Ops.CrossEntropy"/>.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> mask = default) =>
        Ops.CrossEntropy(logits, labels, mask);

    /// <summary>Mean squared error over all elements (shape []). See <see cref="Ops.Mse"/>.</summary>
    public static Tensor MeanSquaredError(Tensor prediction, Tensor target) => Ops.Mse(prediction, target);
}
