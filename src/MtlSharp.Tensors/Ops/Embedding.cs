using System.Numerics.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Rows of <paramref name="weight"/> [V, D] picked by <paramref name="ids"/> (PyTorch's <c>F.embedding</c>); the
    /// output has shape <paramref name="idsShape"/> + [D] (with no idsShape given, [ids.Length, D]). An id outside
    /// [0, V) throws an ArgumentException naming the id and its position. Gradient rows add up for repeated ids.
    /// </summary>
    public static Tensor Embedding(Tensor weight, ReadOnlySpan<int> ids, params int[] idsShape)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(idsShape);
        if (weight.Rank != 2)
        {
            throw new ShapeMismatchException("Embedding", "weight [V, D]", weight.Shape);
        }

        int vocab = weight.Shape.Dims[0], dim = weight.Shape.Dims[1];
        int[] outDims;
        if (idsShape.Length == 0)
        {
            outDims = [ids.Length, dim];
        }
        else
        {
            var s = new Shape(idsShape);
            if (s.Size != ids.Length)
            {
                throw new ArgumentException($"Embedding: {ids.Length} ids cannot fill ids shape {s}.", nameof(idsShape));
            }

            outDims = new int[idsShape.Length + 1];
            idsShape.CopyTo(outDims, 0);
            outDims[^1] = dim;
        }

        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new ArgumentException(
                    $"Embedding: id {ids[i]} at position {i} is outside [0, {vocab}) for weight of shape {weight.Shape}.",
                    nameof(ids));
            }
        }

        var y = Tensor.Scratch(new Shape(outDims));
        ReadOnlySpan<float> w = weight.Span;
        Span<float> dst = y.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            w.Slice(ids[i] * dim, dim).CopyTo(dst.Slice(i * dim, dim));
        }

        return Autograd.ShouldRecord(weight) ? y.WithGradFn(new EmbeddingNode(weight, ids.ToArray())) : y;
    }

    /// <summary>Backward of Embedding: scatter-add of the output gradient rows into the picked weight rows (in id order, so deterministic).</summary>
    private sealed class EmbeddingNode : Node
    {
        private readonly int[] _ids;

        public EmbeddingNode(Tensor weight, int[] ids)
            : base(weight)
        {
            _ids = ids;
        }

        public override void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput)
        {
            Span<float> gw = ctx.GradFor(Inputs[0]);
            if (gw.IsEmpty)
            {
                return;
            }

            int dim = Inputs[0].Shape.Dims[1];
            for (int i = 0; i < _ids.Length; i++)
            {
                Span<float> row = gw.Slice(_ids[i] * dim, dim);
                TensorPrimitives.Add(row, gradOutput.Slice(i * dim, dim), row);
            }
        }
    }
}
