using System.Globalization;
using MtlSharp.NN.Checkpoints;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Optim;

/// <summary>
/// Shared machinery of <see cref="Sgd"/>, <see cref="Adam"/> and <see cref="AdamW"/>: groups, per-parameter step
/// counts, and per-parameter state slots stored flat and aligned with each group's offsets (llm.c style), so a
/// packed group is updated by one fused loop over its whole buffer.
/// </summary>
public abstract class Optimizer : IOptimizer
{
    private readonly OptimizerGroup[] _groups;
    private readonly string[] _slotNames;
    private readonly float[][] _state;   // per group: [slot][ElementCount] flattened
    private readonly long[][] _steps;    // per group: per parameter

    /// <summary>Creates the optimizer over <paramref name="groups"/> with the named per-element state slots.</summary>
    protected Optimizer(IReadOnlyList<OptimizerGroup> groups, params string[] slotNames)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(slotNames);
        if (groups.Count == 0)
        {
            throw new ArgumentException($"{GetType().Name}: at least one parameter group is needed.", nameof(groups));
        }

        _groups = [.. groups];
        _slotNames = slotNames;
        _state = new float[_groups.Length][];
        _steps = new long[_groups.Length][];
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        for (int g = 0; g < _groups.Length; g++)
        {
            var pg = _groups[g].Parameters;
            foreach (var p in pg.Parameters)
            {
                if (!seen.Add(p))
                {
                    throw new ArgumentException($"{GetType().Name}: parameter '{p.Name}' is in more than one group.", nameof(groups));
                }
            }

            _state[g] = new float[(long)slotNames.Length * pg.ElementCount];
            _steps[g] = new long[pg.Count];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<OptimizerGroup> Groups => _groups;

    /// <inheritdoc />
    public long StepCount { get; private set; }

    /// <inheritdoc />
    public void Step()
    {
        StepCount++;
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            var pg = group.Parameters;
            int n = pg.ElementCount;
            long[] steps = _steps[g];
            if (pg.IsPacked && pg.Count > 0 && AllEqual(steps))
            {
                // One fused loop over the whole flat buffer.
                long step = steps[0] + 1;
                Array.Fill(steps, step);
                Update(group, pg.Values, pg.Grads, Slot(g, 0, 0, n), Slot(g, 1, 0, n), step);
                continue;
            }

            for (int i = 0; i < pg.Count; i++)
            {
                var p = pg.Parameters[i];
                if (!p.HasGrad)
                {
                    continue;
                }

                int off = pg.OffsetOf(i);
                long step = ++steps[i];
                Update(group, p.Data, p.Grad, Slot(g, 0, off, p.Length), Slot(g, 1, off, p.Length), step);
            }
        }
    }

    /// <inheritdoc />
    public void ZeroGrad()
    {
        foreach (var g in _groups)
        {
            g.Parameters.ZeroGrad();
        }
    }

    /// <summary>
    /// Updates one parameter (or a whole packed group) in place. <paramref name="slot0"/>/<paramref name="slot1"/> are
    /// its state slots (empty when the optimizer has fewer); <paramref name="step"/> counts this update from 1.
    /// </summary>
    protected abstract void Update(OptimizerGroup group, Span<float> value, ReadOnlySpan<float> grad, Span<float> slot0, Span<float> slot1, long step);

    /// <inheritdoc />
    public OptimizerState ExportState()
    {
        var tensors = new List<(string, Tensor)>();
        var scalars = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["optimizer"] = GetType().Name,
            ["step_count"] = StepCount.ToString(CultureInfo.InvariantCulture),
        };
        for (int g = 0; g < _groups.Length; g++)
        {
            var pg = _groups[g].Parameters;
            scalars[$"lr.{g}"] = _groups[g].LearningRate.ToString("R", CultureInfo.InvariantCulture);
            for (int i = 0; i < pg.Count; i++)
            {
                var p = pg.Parameters[i];
                if (_steps[g][i] == 0)
                {
                    continue; // no state yet (PyTorch creates it lazily too)
                }

                scalars[p.Name + ".step"] = _steps[g][i].ToString(CultureInfo.InvariantCulture);
                for (int s = 0; s < _slotNames.Length; s++)
                {
                    var t = Tensor.Zeros(p.Shape);
                    Slot(g, s, pg.OffsetOf(i), p.Length).CopyTo(t.Span);
                    tensors.Add(($"{p.Name}.{_slotNames[s]}", t));
                }
            }
        }

        return new OptimizerState(tensors, scalars);
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Scalars.TryGetValue("optimizer", out string? kind) && kind != GetType().Name)
        {
            throw new CheckpointMismatchException($"Optimizer state was saved by {kind}, cannot load it into {GetType().Name}.");
        }

        var byName = new Dictionary<string, (int Group, int Index)>(StringComparer.Ordinal);
        for (int g = 0; g < _groups.Length; g++)
        {
            var pg = _groups[g].Parameters;
            for (int i = 0; i < pg.Count; i++)
            {
                if (!byName.TryAdd(pg.Parameters[i].Name, (g, i)))
                {
                    throw new InvalidOperationException($"{GetType().Name}: two parameters are named '{pg.Parameters[i].Name}'; state cannot be matched by name.");
                }
            }
        }

        // Validate everything before touching the state.
        foreach (var (name, t) in state.Tensors)
        {
            var (pName, _) = SplitSlot(name);
            if (!byName.TryGetValue(pName, out var at))
            {
                throw new CheckpointMismatchException($"Optimizer state tensor '{name}' (shape {t.Shape}) matches no parameter of this optimizer.");
            }

            var p = _groups[at.Group].Parameters.Parameters[at.Index];
            if (p.Shape != t.Shape)
            {
                throw new CheckpointMismatchException($"Optimizer state tensor '{name}': the parameter has shape {p.Shape}, the checkpoint has shape {t.Shape}.");
            }
        }

        for (int g = 0; g < _groups.Length; g++)
        {
            Array.Clear(_state[g]);
            Array.Clear(_steps[g]);
        }

        foreach (var (name, t) in state.Tensors)
        {
            var (pName, slot) = SplitSlot(name);
            var (g, i) = byName[pName];
            var pg = _groups[g].Parameters;
            t.Span.CopyTo(Slot(g, slot, pg.OffsetOf(i), t.Length));
        }

        foreach (var (pName, (g, i)) in byName)
        {
            if (state.Scalars.TryGetValue(pName + ".step", out string? s))
            {
                _steps[g][i] = long.Parse(s, CultureInfo.InvariantCulture);
            }
        }

        for (int g = 0; g < _groups.Length; g++)
        {
            if (state.Scalars.TryGetValue($"lr.{g}", out string? lr))
            {
                _groups[g].LearningRate = float.Parse(lr, CultureInfo.InvariantCulture);
            }
        }

        if (state.Scalars.TryGetValue("step_count", out string? sc))
        {
            StepCount = long.Parse(sc, CultureInfo.InvariantCulture);
        }
    }

    private (string Parameter, int Slot) SplitSlot(string name)
    {
        for (int s = 0; s < _slotNames.Length; s++)
        {
            string suffix = "." + _slotNames[s];
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return (name[..^suffix.Length], s);
            }
        }

        throw new CheckpointMismatchException($"Optimizer state tensor '{name}' is not a {GetType().Name} state ({string.Join(", ", _slotNames)}).");
    }

    private Span<float> Slot(int group, int slot, int offset, int length)
    {
        if (slot >= _slotNames.Length)
        {
            return [];
        }

        int n = _groups[group].Parameters.ElementCount;
        return _state[group].AsSpan((slot * n) + offset, length);
    }

    private static bool AllEqual(long[] a)
    {
        for (int i = 1; i < a.Length; i++)
        {
            if (a[i] != a[0])
            {
                return false;
            }
        }

        return true;
    }
}
