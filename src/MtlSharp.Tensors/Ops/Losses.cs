namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Softmax cross-entropy of <paramref name="logits"/> [N, C] against class indices <paramref name="labels"/>
    /// (length N), averaged over the rows whose <paramref name="mask"/> entry is non-zero (all rows when mask is
    /// null; the mask value weights the row). Returns shape []; zero when no row is active. A label outside
    /// [0, C) on an active row throws.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> mask = default) => throw new NotImplementedException();

    /// <summary>Mean squared error between tensors of equal shape (shape []).</summary>
    public static Tensor Mse(Tensor prediction, Tensor target) => throw new NotImplementedException();
}
