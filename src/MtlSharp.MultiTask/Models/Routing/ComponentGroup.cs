using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// Components of different kinds in one routed layer (e.g. the paper's Sec. II layer: two one-layer and two
/// two-layer MLPs). Each member stack is evaluated batched; their stacked outputs are joined along the component
/// axis. Members must agree on the combined output shape and on their layout's outer size.
/// </summary>
public sealed class ComponentGroup : Module, IComponentStack
{
    private readonly IComponentStack[] _members;
    private readonly int[] _first;

    /// <summary>Creates the group; component indices run through the members in order.</summary>
    public ComponentGroup(params IComponentStack[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Length == 0)
        {
            throw new ArgumentException("A component group needs at least one member.", nameof(members));
        }

        _members = members;
        _first = new int[members.Length + 1];
        for (int i = 0; i < members.Length; i++)
        {
            if (members[i] is not Module m)
            {
                throw new ArgumentException($"Member {i} is not a Module.", nameof(members));
            }

            RegisterModule($"member{i}", m);
            _first[i + 1] = _first[i] + members[i].Count;
        }
    }

    /// <inheritdoc />
    public int Count => _first[^1];

    /// <summary>The member stacks; component indices run through them in order (for exporters).</summary>
    internal IReadOnlyList<IComponentStack> Members => _members;

    /// <inheritdoc />
    public StackedOutput Forward(Tensor x, ReadOnlySpan<int> components)
    {
        var parts = new List<Tensor>(_members.Length);
        Shape? combined = null;
        Span<int> local = stackalloc int[Count];
        for (int m = 0; m < _members.Length; m++)
        {
            int n = 0;
            if (components.IsEmpty)
            {
                for (int c = 0; c < _members[m].Count; c++)
                {
                    local[n++] = c;
                }
            }
            else
            {
                foreach (int c in components)
                {
                    if (c >= _first[m] && c < _first[m + 1])
                    {
                        local[n++] = c - _first[m];
                    }
                }
            }

            if (n == 0)
            {
                continue;
            }

            var o = _members[m].Forward(x, local[..n]);
            if (combined is { } s && s != o.Combined)
            {
                throw new ShapeMismatchException("ComponentGroup", "members with equal output shapes", s, o.Combined);
            }

            combined = o.Combined;
            parts.Add(o.Stacked);
        }

        if (combined is null)
        {
            throw new ArgumentException("ComponentGroup: no component selected.", nameof(components));
        }

        Tensor stacked = parts.Count == 1 ? parts[0] : Ops.Concat(parts.ToArray(), 1);
        return new StackedOutput(stacked, combined.Value);
    }

    /// <inheritdoc />
    public Shape OutputShape(Shape input) => _members[0].OutputShape(input);
}
