namespace MtlSharp.Tensors;

/// <summary>
/// A pool of float buffers that op outputs and backward-pass gradients borrow while a scope of the arena is
/// entered, and that all go back when the scope ends. A training step entered in the same arena every time
/// reuses the same buffers, so steady-state training allocates no tensor storage.
/// </summary>
/// <remarks>
/// <para>Usage: <c>using (arena.Enter()) { forward; backward; optimizer.Step(); }</c>. Every tensor an op made
/// inside the scope is invalid afterwards; copy what you keep (<see cref="Tensor.ToArray"/>,
/// <see cref="Tensor.Clone"/>).</para>
/// <para>The entered arena is the one piece of ambient state besides the no-grad flag (see docs/design.md): it is
/// per thread, and scopes nest. An arena is not thread-safe; use one per training thread.</para>
/// </remarks>
public sealed class TensorArena
{
    [ThreadStatic]
    private static TensorArena? t_current;

    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly List<float[]> _lent = [];
    private int _depth;

    /// <summary>Number of buffers ever allocated by this arena (a steady state stops growing it).</summary>
    public int BuffersAllocated { get; private set; }

    /// <summary>Total floats ever allocated by this arena.</summary>
    public long FloatsAllocated { get; private set; }

    /// <summary>The arena entered on this thread, if any.</summary>
    public static TensorArena? Current => t_current;

    /// <summary>Enters a scope: until it is disposed, op outputs on this thread borrow from this arena.</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        _depth++;
        return new Scope(this, previous, _lent.Count);
    }

    internal static (float[] Array, int Offset) Rent(int length)
    {
        var arena = t_current;
        if (arena is null)
        {
            return (new float[length], 0);
        }

        return (arena.RentCore(length), 0);
    }

    /// <summary>
    /// The pooled buffer size for a request: exact below 1024 floats, else rounded up to the next of four steps per
    /// power of two (≤ 25% slack). Size classes keep the pool bounded when shapes vary from step to step (padded
    /// sentence batches), while fixed-shape training still reuses exactly the same buffers.
    /// </summary>
    internal static int SizeClass(int length)
    {
        if (length <= 1024)
        {
            return length;
        }

        int p = 1 << (31 - int.LeadingZeroCount(length)); // largest power of two ≤ length
        int step = p / 4;
        long rounded = ((long)length + step - 1) / step * step;
        return rounded > Array.MaxLength ? length : (int)rounded;
    }

    private float[] RentCore(int requested)
    {
        float[] buffer;
        int length = SizeClass(requested);
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
        }
        else
        {
            buffer = new float[length];
            BuffersAllocated++;
            FloatsAllocated += length;
        }

        _lent.Add(buffer);
        return buffer;
    }

    /// <summary>
    /// Fills every buffer now back in the pool with <paramref name="value"/> (tests: a kernel that reads scratch it did
    /// not write then shows it, where fresh zeroed buffers would hide it).
    /// </summary>
    internal void FillFreeBuffers(float value)
    {
        foreach (Stack<float[]> stack in _free.Values)
        {
            foreach (float[] buffer in stack)
            {
                buffer.AsSpan().Fill(value);
            }
        }
    }

    private void Release(int mark, TensorArena? previous)
    {
        for (int i = _lent.Count - 1; i >= mark; i--)
        {
            float[] b = _lent[i];
            if (!_free.TryGetValue(b.Length, out var stack))
            {
                stack = new Stack<float[]>();
                _free[b.Length] = stack;
            }

            stack.Push(b);
        }

        _lent.RemoveRange(mark, _lent.Count - mark);
        _depth--;
        t_current = previous;
    }

    /// <summary>An entered scope of an arena; disposing it returns every buffer borrowed inside.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena _arena;
        private readonly TensorArena? _previous;
        private readonly int _mark;

        internal Scope(TensorArena arena, TensorArena? previous, int mark)
        {
            _arena = arena;
            _previous = previous;
            _mark = mark;
        }

        /// <summary>Returns the scope's buffers to the arena and restores the previously entered arena.</summary>
        public void Dispose() => _arena?.Release(_mark, _previous);
    }
}
