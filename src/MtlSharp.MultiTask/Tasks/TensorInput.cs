using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A dense input [B, …] (images, feature vectors); under data parallelism, a share of a batch's rows
/// (<see cref="Rows"/>), so that noise drawn per row (dropout) is the whole batch's.
/// </summary>
public sealed class TensorInput : BatchInput
{
    /// <summary>A whole batch <paramref name="value"/>, or (<paramref name="rows"/>) rows of one.</summary>
    public TensorInput(Tensor value, RowShare rows = default)
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
        rows.Check(value.Rank == 0 ? 1 : value.Shape[0], "TensorInput");
        Rows = rows;
    }

    /// <summary>The input tensor; its first axis is the batch.</summary>
    public Tensor Value { get; }

    /// <summary>Which rows of the batch <see cref="Value"/> holds (default: all of them).</summary>
    public RowShare Rows { get; }
}
