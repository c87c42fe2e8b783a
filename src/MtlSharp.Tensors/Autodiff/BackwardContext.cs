namespace MtlSharp.Tensors.Autodiff;

/// <summary>
/// Hands a node the gradient buffers of its inputs during a backward pass.
/// </summary>
public sealed class BackwardContext
{
    internal int Pass;
    internal bool IntoLeafGrads;

    internal BackwardContext()
    {
    }

    /// <summary>
    /// The buffer the gradient with respect to <paramref name="input"/> must be added into, or an empty span when
    /// that input needs no gradient in this pass.
    /// </summary>
    public Span<float> GradFor(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.NeededPass != Pass)
        {
            return [];
        }

        if (input.IsLeaf && IntoLeafGrads)
        {
            return input.PersistentGradSpan();
        }

        if (input.ScratchGrad is null)
        {
            var (arr, off) = TensorArena.Rent(input.Length);
            Array.Clear(arr, off, input.Length);
            input.ScratchGrad = arr;
            input.ScratchOffset = off;
        }

        return input.ScratchSpan;
    }

    /// <summary>Whether <paramref name="input"/> needs a gradient in this pass.</summary>
    public bool Needs(Tensor input) => input.NeededPass == Pass;
}
