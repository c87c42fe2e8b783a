namespace MtlSharp.Tensors.Autodiff;

/// <summary>
/// The backward rule of one recorded op application. An op computes its output, then (when
/// <see cref="Autograd.ShouldRecord(Tensor)"/> says so) attaches a node that keeps whatever the backward rule
/// needs. Other assemblies may add differentiable ops by deriving from this class.
/// </summary>
public abstract class Node
{
    /// <summary>Creates a node over the op's tensor inputs (only those that can carry gradient matter).</summary>
    protected Node(params Tensor[] inputs)
    {
        Inputs = inputs;
    }

    /// <summary>The op's tensor inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The op name shown in errors and in <see cref="Tensor.ToString"/>.</summary>
    public virtual string Name => GetType().Name.EndsWith("Node", StringComparison.Ordinal) ? GetType().Name[..^4] : GetType().Name;

    /// <summary>
    /// Adds the gradient of the loss with respect to each input into <c>ctx.GradFor(input)</c>, given
    /// <paramref name="gradOutput"/> (the gradient with respect to <paramref name="output"/>). Must <b>add</b>, never
    /// overwrite, and should skip inputs whose <c>GradFor</c> span is empty (they need no gradient).
    /// </summary>
    public abstract void Backward(BackwardContext ctx, Tensor output, ReadOnlySpan<float> gradOutput);
}
