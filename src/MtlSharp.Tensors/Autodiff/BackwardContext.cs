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
            RentScratch(input).Clear();
        }

        return input.ScratchSpan;
    }

    /// <summary>
    /// Adds <paramref name="grad"/> (as long as <paramref name="input"/>) to the gradient with respect to
    /// <paramref name="input"/>: the same as adding it into <see cref="GradFor"/>'s buffer, but where this pass has not
    /// yet given <paramref name="input"/> a buffer it copies <paramref name="grad"/> into a fresh one instead of zeroing
    /// it and adding (pass-through nodes such as reshapes and sums then cost one copy). Does nothing when the input
    /// needs no gradient in this pass.
    /// </summary>
    public void AddGrad(Tensor input, ReadOnlySpan<float> grad)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.NeededPass != Pass)
        {
            return;
        }

        if (grad.Length != input.Length)
        {
            throw new ArgumentException($"AddGrad: the gradient has {grad.Length} elements, the input {input.Length}.", nameof(grad));
        }

        if (input.ScratchGrad is null && !(input.IsLeaf && IntoLeafGrads))
        {
            grad.CopyTo(RentScratch(input));
            return;
        }

        Span<float> dst = GradFor(input);
        System.Numerics.Tensors.TensorPrimitives.Add(dst, grad, dst);
    }

    /// <summary>Gives <paramref name="input"/> a gradient buffer from the arena for this pass (not cleared) and returns it.</summary>
    private static Span<float> RentScratch(Tensor input)
    {
        var (arr, off) = TensorArena.Rent(input.Length);
        input.ScratchGrad = arr;
        input.ScratchOffset = off;
        return input.ScratchSpan;
    }

    /// <summary>Whether <paramref name="input"/> needs a gradient in this pass.</summary>
    public bool Needs(Tensor input) => input.NeededPass == Pass;
}
