using MtlSharp.Tensors;

namespace MtlSharp.NN;

/// <summary>
/// A trainable leaf tensor with a stable dotted <see cref="Name"/> (its checkpoint key, e.g. <c>layers.0.weight</c>)
/// and a filterable <see cref="Kind"/>.
/// </summary>
/// <remarks>
/// The name starts as the local name given to <see cref="Module.RegisterParameter(string, Tensors.Tensor, ParameterKind)"/>; each time the owning module is
/// registered into a parent for the first time, the parent's local name is prefixed, so once a model is assembled
/// <see cref="Name"/> is the path from the outermost module (as <see cref="Module.NamedParameters"/> reports it from
/// the root). The tensor's <see cref="Tensor.Name"/> follows it, so error messages name the parameter.
/// A parameter converts implicitly to its <see cref="Tensor"/>, so it can be passed straight to ops.
/// </remarks>
public sealed class Parameter
{
    private string _name;

    /// <summary>Wraps <paramref name="value"/> (which must be a leaf) and marks it as requiring gradients.</summary>
    public Parameter(string name, Tensor value, ParameterKind kind = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!value.IsLeaf)
        {
            throw new ArgumentException($"Parameter '{name}' must wrap a leaf tensor; this one was produced by {value.GradFn!.Name}.", nameof(value));
        }

        Value = value;
        value.RequiresGrad = true;
        _name = name;
        value.Name = name;
        Kind = kind;
    }

    /// <summary>The tensor (a leaf with <see cref="Tensor.RequiresGrad"/> set).</summary>
    public Tensor Value { get; }

    /// <summary>The dotted name (checkpoint key).</summary>
    public string Name
    {
        get => _name;
        internal set
        {
            _name = value;
            Value.Name = value;
        }
    }

    /// <summary>The kind (shared, task t, routing, strategy). Settable so that a model can re-tag a sub-tree (see <see cref="Module.SetKind"/>).</summary>
    public ParameterKind Kind { get; set; }

    /// <summary>The shape.</summary>
    public Shape Shape => Value.Shape;

    /// <summary>Number of elements.</summary>
    public int Length => Value.Length;

    /// <summary>The values.</summary>
    public Span<float> Data => Value.Span;

    /// <summary>The accumulated gradient (allocated as zeros when none exists yet).</summary>
    public Span<float> Grad => Value.GradSpan;

    /// <summary>Whether a backward pass (or packing) has given this parameter a gradient buffer.</summary>
    public bool HasGrad => Value.Grad is not null;

    /// <summary>Sets the gradient to zero.</summary>
    public void ZeroGrad() => Value.ZeroGrad();

    /// <summary>The parameter's tensor.</summary>
    public static implicit operator Tensor(Parameter p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.Value;
    }

    /// <summary>Name, shape and kind.</summary>
    public override string ToString() => $"{Name} {Shape} {Kind}";
}
