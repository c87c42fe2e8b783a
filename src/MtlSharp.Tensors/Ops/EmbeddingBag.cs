using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Weighted sums of rows of <paramref name="weight"/> [V, D] (PyTorch's <c>F.embedding_bag</c> with
    /// <c>mode="sum"</c> and <c>per_sample_weights</c>): bag b holds the entries
    /// <paramref name="offsets"/>[b] .. <paramref name="offsets"/>[b + 1] − 1 of <paramref name="ids"/> and
    /// <paramref name="values"/>, and row b of the [bags, D] output is Σ values[k]·weight[ids[k]]. This is the product
    /// of a sparse [bags, V] matrix (CSR: offsets, ids, values) with the dense weight, in O(nnz·D) instead of
    /// O(bags·V·D). <paramref name="offsets"/> has bags + 1 entries, starts at 0, never decreases and ends at
    /// ids.Length; an empty bag gives a zero row. The gradient of weight row v is Σ over the entries with id v of
    /// values[k]·gradOutput[bag of k], accumulated in entry order (deterministic); the values are constants.
    /// </summary>
    public static Tensor EmbeddingBag(Tensor weight, ReadOnlySpan<int> ids, ReadOnlySpan<int> offsets, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
        {
            throw new ShapeMismatchException("EmbeddingBag", "weight [V, D]", weight.Shape);
        }

        if (offsets.Length < 1 || offsets[0] != 0 || offsets[^1] != ids.Length)
        {
            throw new ArgumentException(
                $"EmbeddingBag: offsets must start at 0 and end at the {ids.Length} ids (bags + 1 entries), got {offsets.Length} entries"
                + (offsets.Length > 0 ? $" from {offsets[0]} to {offsets[^1]}." : "."),
                nameof(offsets));
        }

        if (values.Length != ids.Length)
        {
            throw new ArgumentException($"EmbeddingBag: {values.Length} values for {ids.Length} ids.", nameof(values));
        }

        int vocab = weight.Shape.Dims[0], dim = weight.Shape.Dims[1], bags = offsets.Length - 1;
        for (int b = 0; b < bags; b++)
        {
            if (offsets[b + 1] < offsets[b])
            {
                throw new ArgumentException($"EmbeddingBag: offsets decrease at bag {b} ({offsets[b]} then {offsets[b + 1]}).", nameof(offsets));
            }
        }

        for (int k = 0; k < ids.Length; k++)
        {
            if ((uint)ids[k] >= (uint)vocab)
            {
                throw new ArgumentException(
                    $"EmbeddingBag: id {ids[k]} at position {k} is outside [0, {vocab}) for weight of shape {weight.Shape}.", nameof(ids));
            }
        }

        var y = Tensor.ScratchZeros(new Shape(bags, dim));
        ReadOnlySpan<float> w = weight.Span;
        Span<float> dst = y.Span;
        for (int b = 0; b < bags; b++)
        {
            Span<float> row = dst.Slice(b * dim, dim);
            for (int k = offsets[b]; k < offsets[b + 1]; k++)
            {
                // row += values[k] · weight[ids[k]]
                TensorPrimitives.MultiplyAdd(w.Slice(ids[k] * dim, dim), values[k], row, row);
            }
        }

        return Autograd.ShouldRecord(weight)
            ? y.WithGradFn(new EmbeddingBagNode(weight, ids.ToArray(), offsets.ToArray(), values.ToArray()))
            : y;
    }

    /// <summary>Backward of EmbeddingBag: weight[ids[k]] += values[k] · gradOutput[bag(k)], in entry order.</summary>
    private sealed class EmbeddingBagNode : Node
    {
        private readonly int[] _ids;
        private readonly int[] _offsets;
        private readonly float[] _values;

        public EmbeddingBagNode(Tensor weight, int[] ids, int[] offsets, float[] values)
            : base(weight)
        {
            _ids = ids;
            _offsets = offsets;
            _values = values;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gw = ctx.GradFor(Inputs[0]);
            if (gw.IsEmpty)
            {
                return;
            }

            int dim = Inputs[0].Shape.Dims[1];
            for (int b = 0; b + 1 < _offsets.Length; b++)
            {
                ReadOnlySpan<float> g = gradOutput.Slice(b * dim, dim);
                for (int k = _offsets[b]; k < _offsets[b + 1]; k++)
                {
                    Span<float> row = gw.Slice(_ids[k] * dim, dim);
                    TensorPrimitives.MultiplyAdd(g, _values[k], row, row);
                }
            }
        }
    }
}
