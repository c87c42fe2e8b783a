using MtlSharp.Tensors;

namespace MtlSharp.NN;

/// <summary>
/// An ordered list of parameters that can be packed into one flat value buffer and one flat gradient buffer
/// (llm.c's <c>malloc_and_point_parameters</c>): after <see cref="Pack"/>, each parameter's tensor is a view into
/// <see cref="Values"/> at <see cref="OffsetOf(int)"/>, and backward passes accumulate straight into
/// <see cref="Grads"/>. Flat buffers make fused optimizer loops, global gradient norms and per-task gradient rows
/// simple span operations.
/// </summary>
public sealed class ParameterGroup
{
    private readonly Parameter[] _parameters;
    private readonly int[] _offsets;
    private float[]? _values;
    private float[]? _grads;

    /// <summary>Creates a group over <paramref name="parameters"/> (no duplicates).</summary>
    public ParameterGroup(IEnumerable<Parameter> parameters, string name = "")
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        Name = name;
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        _offsets = new int[_parameters.Length + 1];
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i] ?? throw new ArgumentException($"ParameterGroup '{name}': parameter {i} is null.", nameof(parameters));
            if (!seen.Add(p))
            {
                throw new ArgumentException($"ParameterGroup '{name}': parameter '{p.Name}' appears twice.", nameof(parameters));
            }

            _offsets[i] = (int)total;
            total += p.Length;
            if (total > int.MaxValue)
            {
                throw new ArgumentException($"ParameterGroup '{name}' holds more than {int.MaxValue} elements.", nameof(parameters));
            }
        }

        _offsets[^1] = (int)total;
    }

    /// <summary>A display name (e.g. "model", "router").</summary>
    public string Name { get; }

    /// <summary>The parameters, in order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Number of parameters.</summary>
    public int Count => _parameters.Length;

    /// <summary>Total number of elements over all parameters.</summary>
    public int ElementCount => _offsets[^1];

    /// <summary>Whether <see cref="Pack"/> has run.</summary>
    public bool IsPacked => _values is not null;

    /// <summary>Where parameter <paramref name="index"/> starts in the flat buffers.</summary>
    public int OffsetOf(int index) => _offsets[index];

    /// <summary>The start offsets of every parameter, plus the total as the last entry.</summary>
    public ReadOnlySpan<int> Offsets => _offsets;

    /// <summary>The flat values (only after <see cref="Pack"/>).</summary>
    public Span<float> Values => _values ?? throw NotPacked();

    /// <summary>The flat gradients (only after <see cref="Pack"/>); backward passes add into it.</summary>
    public Span<float> Grads => _grads ?? throw NotPacked();

    /// <summary>
    /// Moves every parameter into one flat value buffer and one flat gradient buffer, keeping the values; the
    /// gradients start at zero. Idempotent. A parameter must not be packed by two groups.
    /// </summary>
    public void Pack()
    {
        if (_values is not null)
        {
            return;
        }

        var values = new float[ElementCount];
        var grads = new float[ElementCount];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Value.BindStorage(values, _offsets[i], grads, _offsets[i]);
        }

        _values = values;
        _grads = grads;
    }

    /// <summary>Sets every gradient to zero (one clear when packed).</summary>
    public void ZeroGrad()
    {
        if (_grads is not null)
        {
            Array.Clear(_grads);
            return;
        }

        foreach (var p in _parameters)
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Copies all values, concatenated in order, into <paramref name="destination"/> (length <see cref="ElementCount"/>).</summary>
    public void CopyValuesTo(Span<float> destination)
    {
        RequireLength(destination.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Data.CopyTo(destination[_offsets[i]..]);
        }
    }

    /// <summary>Copies all gradients (zeros where none exist yet) into <paramref name="destination"/>.</summary>
    public void CopyGradsTo(Span<float> destination)
    {
        RequireLength(destination.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var dst = destination.Slice(_offsets[i], p.Length);
            if (p.HasGrad)
            {
                p.Grad.CopyTo(dst);
            }
            else
            {
                dst.Clear();
            }
        }
    }

    /// <summary>Overwrites all gradients from a flat <paramref name="source"/> (e.g. an aggregated multi-task gradient).</summary>
    public void SetGrads(ReadOnlySpan<float> source)
    {
        RequireLength(source.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            source.Slice(_offsets[i], _parameters[i].Length).CopyTo(_parameters[i].Grad);
        }
    }

    /// <summary>The tensors, for <c>Autograd.Grad(root, group.Tensors(), row)</c>.</summary>
    public IReadOnlyList<Tensor> Tensors()
    {
        var t = new Tensor[_parameters.Length];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = _parameters[i].Value;
        }

        return t;
    }

    private void RequireLength(int length)
    {
        if (length != ElementCount)
        {
            throw new ArgumentException($"ParameterGroup '{Name}': buffer has {length} floats, the group holds {ElementCount}.");
        }
    }

    private InvalidOperationException NotPacked() =>
        new($"ParameterGroup '{Name}' is not packed; call Pack() before using the flat Values/Grads.");
}
