using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Components of any kind — pooling, identity, conv→norm→ReLU sequences, any <see cref="Module{TIn, TOut}"/> —
/// evaluated one by one and stacked (layout [N, C, inner]). All components must map the layer input to outputs of
/// one shape (e.g. the Omniglot layer's conv 3×3, conv 5×5, …, max-pool, avg-pool and identity components, all
/// 'same'-padded). Use <see cref="MlpComponents"/>/<see cref="ConvComponents"/> where components share a shape:
/// those are evaluated as one batched op.
/// </summary>
public sealed class ModuleComponents : Module, IComponentStack
{
    private readonly Module<Tensor, Tensor>[] _components;

    /// <summary>Wraps the given components (registered as children named component0, component1, …).</summary>
    public ModuleComponents(params Module<Tensor, Tensor>[] components)
    {
        ArgumentNullException.ThrowIfNull(components);
        if (components.Length == 0)
        {
            throw new ArgumentException("A routed layer needs at least one component.", nameof(components));
        }

        _components = components;
        for (int i = 0; i < components.Length; i++)
        {
            RegisterModule($"component{i}", components[i]);
        }
    }

    /// <inheritdoc />
    public int Count => _components.Length;

    /// <summary>The components, in order (for exporters).</summary>
    internal IReadOnlyList<Module<Tensor, Tensor>> Modules => _components;

    /// <inheritdoc />
    public StackedOutput Forward(Tensor x, ReadOnlySpan<int> components)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = components.IsEmpty ? _components.Length : components.Length;
        var parts = new Tensor[a];
        Shape? shape = null;
        for (int i = 0; i < a; i++)
        {
            int c = components.IsEmpty ? i : components[i];
            Tensor y = _components[c].Forward(x);
            if (shape is { } s && s != y.Shape)
            {
                throw new ShapeMismatchException("ModuleComponents", $"every component to give the same output shape (component {c} differs)", s, y.Shape);
            }

            shape = y.Shape;
            parts[i] = Ops.Reshape(y, y.Shape[0], 1, y.Length / y.Shape[0]);
        }

        Tensor stacked = a == 1 ? parts[0] : Ops.Concat(parts, 1);
        return new StackedOutput(stacked, shape!.Value);
    }

    /// <inheritdoc />
    public Shape OutputShape(Shape input)
    {
        using var _ = MtlSharp.Tensors.Autodiff.Autograd.NoGrad();
        return _components[0].Forward(Tensor.Zeros(input.ToArray())).Shape;
    }
}
