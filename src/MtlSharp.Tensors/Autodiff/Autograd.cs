namespace MtlSharp.Tensors.Autodiff;

/// <summary>
/// Reverse-mode differentiation over the graph that ops record as they run.
/// </summary>
/// <remarks>
/// <para><see cref="Backward(Tensor)"/> adds d(root)/d(leaf) into every leaf's <see cref="Tensor.Grad"/>
/// (accumulating across calls, as in PyTorch). <see cref="Grad"/> instead writes the gradient for a chosen list of
/// tensors into a flat caller buffer and touches no <c>.Grad</c>: it is the primitive per-task gradient methods
/// (PCGrad, MGDA…) are built on. The graph is not freed by a pass, so several roots over one graph may each be
/// differentiated (no <c>retain_graph</c> flag); it lives until its tensors' arena scope ends.</para>
/// <para>Only branches that lead to a tensor that needs a gradient are visited.</para>
/// </remarks>
public static class Autograd
{
    [ThreadStatic]
    private static bool t_disabled;

    private static int s_pass;

    [ThreadStatic]
    private static Workspace? t_workspace;

    /// <summary>Whether ops on this thread currently record the graph.</summary>
    public static bool IsEnabled => !t_disabled;

    internal static void SetEnabled(bool enabled) => t_disabled = !enabled;

    /// <summary>Turns recording off until the returned scope is disposed.</summary>
    public static NoGradScope NoGrad()
    {
        bool prev = IsEnabled;
        t_disabled = true;
        return new NoGradScope(prev);
    }

    /// <summary>Whether an op over <paramref name="a"/> should record a node.</summary>
    public static bool ShouldRecord(Tensor a) => !t_disabled && a.RequiresGrad;

    /// <summary>Whether an op over <paramref name="a"/> and <paramref name="b"/> should record a node.</summary>
    public static bool ShouldRecord(Tensor a, Tensor? b) => !t_disabled && (a.RequiresGrad || (b?.RequiresGrad ?? false));

    /// <summary>Whether an op over <paramref name="a"/>, <paramref name="b"/> and <paramref name="c"/> should record a node.</summary>
    public static bool ShouldRecord(Tensor a, Tensor? b, Tensor? c) =>
        !t_disabled && (a.RequiresGrad || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));

    /// <summary>Whether an op over <paramref name="inputs"/> should record a node.</summary>
    public static bool ShouldRecord(ReadOnlySpan<Tensor?> inputs)
    {
        if (t_disabled)
        {
            return false;
        }

        foreach (var t in inputs)
        {
            if (t is not null && t.RequiresGrad)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Backpropagates from a one-element <paramref name="root"/> into the leaves' <see cref="Tensor.Grad"/>.</summary>
    public static void Backward(Tensor root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Length != 1)
        {
            throw new ArgumentException($"Backward() without a gradient needs a one-element root; got shape {root.Shape}. Pass the output gradient explicitly.");
        }

        Span<float> one = [1f];
        Backward(root, one);
    }

    /// <summary>Backpropagates <paramref name="gradOutput"/> (shaped like <paramref name="root"/>) into the leaves' gradients.</summary>
    public static void Backward(Tensor root, ReadOnlySpan<float> gradOutput)
    {
        ArgumentNullException.ThrowIfNull(root);
        Run(root, gradOutput, targets: null);
    }

    /// <summary>
    /// Writes d(root)/d(t) for each t in <paramref name="wrt"/>, concatenated in order, into
    /// <paramref name="into"/> (which must hold the sum of their lengths). Tensors the root does not depend on get
    /// zeros. With <paramref name="accumulate"/>, adds instead of overwriting. Leaves' <c>.Grad</c> are not touched.
    /// </summary>
    public static void Grad(Tensor root, IReadOnlyList<Tensor> wrt, Span<float> into, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(wrt);
        if (root.Length != 1)
        {
            throw new ArgumentException($"Grad() needs a one-element root; got shape {root.Shape}.");
        }

        int total = 0;
        foreach (var t in wrt)
        {
            total += t.Length;
        }

        if (into.Length != total)
        {
            throw new ArgumentException($"Grad(): the destination holds {into.Length} floats but the {wrt.Count} tensors hold {total}.");
        }

        Span<float> one = [1f];
        int pass = Run(root, one, wrt);
        int offset = 0;
        foreach (var t in wrt)
        {
            Span<float> dst = into.Slice(offset, t.Length);
            bool has = t.NeededPass == pass && t.ScratchGrad is not null;
            if (has)
            {
                if (accumulate)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, t.ScratchSpan, dst);
                }
                else
                {
                    t.ScratchSpan.CopyTo(dst);
                }
            }
            else if (!accumulate)
            {
                dst.Clear();
            }

            offset += t.Length;
        }

        // Scratch gradients of the targets were borrowed; forget them so a later pass starts clean.
        foreach (var t in wrt)
        {
            t.ScratchGrad = null;
        }
    }

    /// <summary>
    /// Writes d(root)/d(t) for each target's tensor straight into its own destination (<see cref="GradTarget"/>:
    /// an array and offset, overwritten or, for leaves, added to), without the intermediate buffer and copy of
    /// <see cref="Grad"/>: the backward pass accumulates into the destinations themselves, in the same order, so the
    /// values are bit-identical to <see cref="Grad"/>'s. A target the root does not depend on gets zeros (or is left
    /// as it is when accumulating). Leaves' <c>.Grad</c> are not touched.
    /// </summary>
    /// <exception cref="ArgumentException">The root has more than one element; a destination is too short; a tensor is
    /// named twice; or an intermediate (non-leaf) tensor is to be accumulated into (its buffer also carries the
    /// gradient on to the tensors below it, which must see this pass's gradient only).</exception>
    public static void GradInto(Tensor root, ReadOnlySpan<GradTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (root.Length != 1)
        {
            throw new ArgumentException($"GradInto() needs a one-element root; got shape {root.Shape}.");
        }

        // Checked before anything is written; a stamp of its own finds a tensor named twice without a set.
        int check = Interlocked.Increment(ref s_pass);
        for (int i = 0; i < targets.Length; i++)
        {
            var g = targets[i];
            ArgumentNullException.ThrowIfNull(g.Tensor, nameof(targets));
            ArgumentNullException.ThrowIfNull(g.Array, nameof(targets));
            if (g.Offset < 0 || (long)g.Offset + g.Tensor.Length > g.Array.Length)
            {
                throw new ArgumentException($"GradInto(): target {i} needs {g.Tensor.Length} floats from offset {g.Offset}, but its array holds {g.Array.Length}.", nameof(targets));
            }

            if (g.Accumulate && !g.Tensor.IsLeaf)
            {
                throw new ArgumentException($"GradInto(): target {i} is an intermediate tensor; only leaves may be accumulated into.", nameof(targets));
            }

            if (g.Tensor.BoundPass == check)
            {
                throw new ArgumentException($"GradInto(): target {i} names a tensor already named before it: the same tensor twice.", nameof(targets));
            }

            g.Tensor.BoundPass = check;
        }

        Span<float> one = [1f];
        try
        {
            Run(root, one, targeted: true, null, targets);
        }
        finally
        {
            foreach (var g in targets)
            {
                g.Tensor.ScratchGrad = null;
            }
        }
    }

    private static int Run(Tensor root, ReadOnlySpan<float> gradOutput, IReadOnlyList<Tensor>? targets) =>
        Run(root, gradOutput, targets is not null, targets, default);

    /// <summary>
    /// One pass from <paramref name="root"/>: into the leaves' gradients, or (<paramref name="targeted"/>) only towards
    /// <paramref name="targets"/> (scratch buffers) and the tensors of <paramref name="bound"/> (their own destinations).
    /// </summary>
    private static int Run(Tensor root, ReadOnlySpan<float> gradOutput, bool targeted, IReadOnlyList<Tensor>? targets, ReadOnlySpan<GradTarget> bound)
    {
        if (gradOutput.Length != root.Length)
        {
            throw new ArgumentException($"Backward: output gradient has {gradOutput.Length} elements, root has shape {root.Shape}.");
        }

        int pass = Interlocked.Increment(ref s_pass);
        if (targets is not null)
        {
            foreach (var t in targets)
            {
                t.TargetPass = pass;
            }
        }

        // Bound destinations (GradInto): cleared unless accumulating, then used as the tensors' scratch gradients.
        foreach (var g in bound)
        {
            if (!g.Accumulate)
            {
                Array.Clear(g.Array, g.Offset, g.Tensor.Length);
            }

            g.Tensor.TargetPass = pass;
            g.Tensor.ScratchGrad = g.Array;
            g.Tensor.ScratchOffset = g.Offset;
            g.Tensor.BoundPass = pass;
        }

        // The traversal lists and the context are reused per thread (a pass started from inside a node's backward
        // gets fresh ones).
        var ws = t_workspace ??= new Workspace();
        if (ws.Busy)
        {
            ws = new Workspace();
        }

        ws.Busy = true;
        try
        {
            RunPass(root, gradOutput, targeted, pass, ws);
        }
        finally
        {
            ws.Order.Clear();
            ws.Stack.Clear();
            ws.Busy = false;
        }

        return pass;
    }

    private static void RunPass(Tensor root, ReadOnlySpan<float> gradOutput, bool targeted, int pass, Workspace ws)
    {
        var order = ws.Order;
        TopologicalOrder(root, pass, targeted, order, ws.Stack);
        if (root.NeededPass != pass)
        {
            return; // nothing downstream needs a gradient
        }

        var ctx = ws.Context;
        ctx.Pass = pass;
        ctx.IntoLeafGrads = !targeted;
        foreach (var t in order)
        {
            if (t.BoundPass != pass)
            {
                t.ScratchGrad = null;   // a stale buffer of an earlier pass; bound destinations (GradInto) stay
            }
        }

        Span<float> rootGrad = ctx.GradFor(root);
        System.Numerics.Tensors.TensorPrimitives.Add(rootGrad, gradOutput, rootGrad);

        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (t.GradFn is null || t.ScratchGrad is null)
            {
                continue;
            }

            t.GradFn.Backward(ctx, t, t.ScratchSpan);
        }

        // Intermediate scratch gradients belong to the arena scope; drop the references.
        foreach (var t in order)
        {
            if (!t.IsLeaf && t.TargetPass != pass)
            {
                t.ScratchGrad = null;
            }
        }
    }

    /// <summary>Post-order over the tensors reachable from root; marks which need a gradient.</summary>
    private static void TopologicalOrder(Tensor root, int pass, bool targeted, List<Tensor> order, Stack<(Tensor T, int Next)> stack)
    {
        root.VisitPass = pass;
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn?.Inputs;
            if (inputs is not null && next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child is not null && child.RequiresGrad && child.VisitPass != pass)
                {
                    child.VisitPass = pass;
                    stack.Push((child, 0));
                }

                continue;
            }

            bool needed;
            if (t.GradFn is null)
            {
                needed = t.RequiresGrad && (!targeted || t.TargetPass == pass);
            }
            else
            {
                needed = targeted && t.TargetPass == pass;
                foreach (var c in inputs!)
                {
                    if (c is not null && c.NeededPass == pass)
                    {
                        needed = true;
                        break;
                    }
                }
            }

            if (needed)
            {
                t.NeededPass = pass;
            }

            order.Add(t);
        }
    }

    /// <summary>Per-thread buffers of a backward pass.</summary>
    private sealed class Workspace
    {
        public readonly List<Tensor> Order = [];
        public readonly Stack<(Tensor T, int Next)> Stack = new();
        public readonly BackwardContext Context = new();
        public bool Busy;
    }
}
