using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>
/// Liu et al. (2015)'s sentence encoder: a bag of hashed letter trigrams (<see cref="BagInput"/>,
/// <see cref="Data.Text.LetterTrigramHasher"/>) times a dense [buckets, width] weight — computed as an embedding-bag
/// sum (<see cref="Ops.EmbeddingBag"/>: O(non-zeros · width), not a dense product over every bucket) — plus a bias,
/// then tanh: [rows] bags → [rows, width]. The weight starts N(0, 0.5²) (an L2-normalised bag then gives
/// pre-activations of deviation ≈ 0.5), the bias at 0.
/// </summary>
public sealed class TrigramBagEncoder : Module, IInputEncoder
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;

    /// <summary>Creates the encoder for <paramref name="buckets"/> hash buckets.</summary>
    public TrigramBagEncoder(int buckets, int width, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Buckets = buckets;
        OutputWidth = width;
        _weight = RegisterParameter("weight", Tensor.Normal(new Shape(buckets, width), 0f, 0.5f, rng));
        _bias = RegisterParameter("bias", Tensor.Zeros(width));
    }

    /// <summary>Hash buckets (rows of the weight).</summary>
    public int Buckets { get; }

    /// <inheritdoc/>
    public Module Module => this;

    /// <summary>The [buckets, width] weight (read by the ONNX export).</summary>
    internal Parameter Weight => _weight;

    /// <summary>The bias.</summary>
    internal Parameter Bias => _bias;

    /// <inheritdoc/>
    public string Name => "trigram";

    /// <inheritdoc/>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public int Rows(BatchInput input) => Bags(input).Rows;

    /// <inheritdoc/>
    public Tensor Encode(BatchInput input, in ForwardContext context)
    {
        var bags = Bags(input);
        return Ops.Tanh(Ops.Add(Ops.EmbeddingBag(_weight.Value, bags.Ids, bags.Offsets, bags.Values), _bias.Value));
    }

    private static BagInput Bags(BatchInput input) =>
        input as BagInput ?? throw new ArgumentException($"The letter-trigram encoder reads bags of trigrams, not {input?.GetType().Name ?? "null"}.");
}
