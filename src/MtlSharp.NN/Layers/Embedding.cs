using MtlSharp.NN.Init;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// A lookup table (PyTorch's <c>nn.Embedding</c>): <c>weight</c> [V, D], initialised N(0, 1) by default.
/// </summary>
public sealed class Embedding : Module<int[], Tensor>
{
    /// <summary>Creates a table of <paramref name="count"/> vectors of size <paramref name="dim"/>.</summary>
    public Embedding(int count, int dim, Rng rng, Initializer? init = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        Count = count;
        Dim = dim;
        var w = Tensor.Zeros(count, dim);
        (init ?? new Initializer.Normal(0f, 1f)).Apply(w, rng);
        Weight = RegisterParameter("weight", w);
    }

    /// <summary>Vocabulary size V.</summary>
    public int Count { get; }

    /// <summary>Vector size D.</summary>
    public int Dim { get; }

    /// <summary>The table [V, D].</summary>
    public Parameter Weight { get; }

    /// <summary>ids (length n) → [n, D].</summary>
    public override Tensor Forward(int[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Ops.Embedding(Weight, input, input.Length);
    }

    /// <summary>ids laid out as <paramref name="idsShape"/> (e.g. [B, T]) → idsShape + [D].</summary>
    public Tensor Forward(ReadOnlySpan<int> ids, params int[] idsShape) => Ops.Embedding(Weight, ids, idsShape);
}
