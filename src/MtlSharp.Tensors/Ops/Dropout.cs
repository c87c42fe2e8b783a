namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: in training, zeroes each element with probability <paramref name="p"/> (drawn from
    /// <paramref name="rng"/>) and scales the rest by 1/(1−p); the identity otherwise.
    /// </summary>
    public static Tensor Dropout(Tensor a, float p, Rng rng, bool training) => throw new NotImplementedException();
}
