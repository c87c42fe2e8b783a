using MtlSharp.Tensors;

namespace MtlSharp.NN;

/// <summary>
/// Base class of layers and models. A module registers its parameters and children explicitly in its constructor
/// (<see cref="RegisterParameter(string, Tensor, ParameterKind)"/>, <see cref="RegisterModule{T}"/>); <see cref="NamedParameters"/> walks those
/// registrations in order, so checkpoint keys are deterministic and never depend on field names (no reflection).
/// </summary>
/// <remarks>
/// Order (as PyTorch's <c>named_parameters</c>): a module's own parameters in registration order, then each child's
/// parameters, depth first, with dotted names (<c>layers.0.weight</c>). A parameter reachable twice (a module shared
/// by two parents) is reported once, under its first name.
/// </remarks>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private readonly HashSet<string> _localNames = new(StringComparer.Ordinal);

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>The module this one was first registered into, if any.</summary>
    public Module? Parent { get; private set; }

    /// <summary>The name under which this module was first registered into <see cref="Parent"/>.</summary>
    public string? LocalName { get; private set; }

    /// <summary>This module's registered children, in order.</summary>
    public IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <summary>
    /// Registers a parameter tensor under <paramref name="name"/> (no dots; unique among this module's parameters
    /// and children) and returns the <see cref="Parameter"/> that wraps it (the tensor gets RequiresGrad).
    /// </summary>
    protected Parameter RegisterParameter(string name, Tensor value, ParameterKind kind = default)
    {
        ClaimName(name);
        var p = new Parameter(Prefix() + name, value, kind);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Lets layer helpers in this assembly register parameters on behalf of a module.</summary>
    internal Parameter RegisterParameterInternal(string name, Tensor value, ParameterKind kind = default) => RegisterParameter(name, value, kind);

    /// <summary>Registers an existing parameter (e.g. one shared with another module) under a local name.</summary>
    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ClaimName(name);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>
    /// Registers a child module under <paramref name="name"/> and returns it. The first registration of a module
    /// sets its <see cref="Parent"/> and prefixes its parameters' names with this module's path.
    /// </summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this))
        {
            throw new ArgumentException($"A module cannot be registered as its own child ('{name}').", nameof(module));
        }

        ClaimName(name);
        _children.Add((name, module));
        if (module.Parent is null)
        {
            string prefix = Prefix() + name + ".";
            foreach (var (rel, p) in module.NamedParameters())
            {
                if (p.Name == rel)
                {
                    p.Name = prefix + rel;
                }
            }

            module.Parent = this;
            module.LocalName = name;
        }

        module.SetTraining(IsTraining);
        return module;
    }

    /// <summary>Every parameter with its dotted name relative to this module, in registration order (duplicates removed).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters()
    {
        var result = new List<(string, Parameter)>();
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        Collect("", result, seen);
        return result;
    }

    /// <summary>Every parameter, in the order of <see cref="NamedParameters"/>.</summary>
    public IReadOnlyList<Parameter> Parameters()
    {
        var named = NamedParameters();
        var result = new Parameter[named.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = named[i].Parameter;
        }

        return result;
    }

    /// <summary>The parameters whose kind satisfies <paramref name="filter"/>, in order.</summary>
    public IReadOnlyList<Parameter> Parameters(Func<ParameterKind, bool> filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var result = new List<Parameter>();
        foreach (var (_, p) in NamedParameters())
        {
            if (filter(p.Kind))
            {
                result.Add(p);
            }
        }

        return result;
    }

    /// <summary>The parameters of role <paramref name="role"/> (any task index for <see cref="ParameterRole.Task"/>).</summary>
    public IReadOnlyList<Parameter> Parameters(ParameterRole role) => Parameters(k => k.Role == role);

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount()
    {
        long n = 0;
        foreach (var (_, p) in NamedParameters())
        {
            n += p.Length;
        }

        return n;
    }

    /// <summary>Sets training mode on this module and every descendant (dropout active, etc.).</summary>
    public void Train(bool training = true) => SetTraining(training);

    /// <summary>Sets evaluation mode on this module and every descendant.</summary>
    public void Eval() => SetTraining(false);

    /// <summary>Zeroes the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in NamedParameters())
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Re-tags every parameter of this module and its descendants with <paramref name="kind"/>.</summary>
    public void SetKind(ParameterKind kind)
    {
        foreach (var (_, p) in NamedParameters())
        {
            p.Kind = kind;
        }
    }

    private void SetTraining(bool training)
    {
        IsTraining = training;
        foreach (var (_, child) in _children)
        {
            child.SetTraining(training);
        }
    }

    private void Collect(string prefix, List<(string, Parameter)> result, HashSet<Parameter> seen)
    {
        foreach (var (name, p) in _parameters)
        {
            if (seen.Add(p))
            {
                result.Add((prefix + name, p));
            }
        }

        foreach (var (name, child) in _children)
        {
            child.Collect(prefix + name + ".", result, seen);
        }
    }

    private string Prefix()
    {
        string prefix = "";
        for (var m = this; m.Parent is not null; m = m.Parent)
        {
            prefix = m.LocalName + "." + prefix;
        }

        return prefix;
    }

    private void ClaimName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Registered names may not contain '.', got '{name}' in {GetType().Name}.", nameof(name));
        }

        if (!_localNames.Add(name))
        {
            throw new ArgumentException($"{GetType().Name} already has a parameter or child named '{name}'.", nameof(name));
        }
    }
}
