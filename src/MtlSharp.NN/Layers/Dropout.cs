using MtlSharp.Tensors;

namespace MtlSharp.NN.Layers;

/// <summary>
/// Inverted dropout (Srivastava et al. 2014): in training mode zeroes each element with probability p and scales
/// the rest by 1/(1−p); the identity in evaluation mode.
/// </summary>
/// <remarks>
/// Randomness: the layer keeps the <see cref="Rng"/> given at construction (pass a <c>rng.Split()</c> so it owns
/// its stream), which makes a model's dropout masks reproducible from its seed; <see cref="Forward(Tensor, Rng)"/>
/// takes a generator per call instead.
/// </remarks>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Rng _rng;

    /// <summary>Creates the layer with drop probability <paramref name="p"/> in [0, 1).</summary>
    public Dropout(float p, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: p must be in [0, 1), got {p}.");
        }

        P = p;
        _rng = rng;
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <summary>Applies dropout with the layer's own generator.</summary>
    public override Tensor Forward(Tensor input) => Ops.Dropout(input, P, _rng, IsTraining);

    /// <summary>Applies dropout drawing from <paramref name="rng"/>.</summary>
    public Tensor Forward(Tensor input, Rng rng) => Ops.Dropout(input, P, rng, IsTraining);
}
