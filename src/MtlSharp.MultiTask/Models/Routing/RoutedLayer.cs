using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A modular layer (paper Sec. III-A): parallel components on the same input, a router choosing which of them each
/// task uses, and the combination of the chosen outputs (mean by default; sum optional).
/// </summary>
/// <remarks>
/// While a learned router trains, every component is evaluated (the straight-through gradient of an inactive
/// allocation needs its component's output — spec A2.7). Otherwise (evaluation, or a fixed allocation) only the
/// allocated components are evaluated; a task with no active component gets a zero output.
/// </remarks>
public sealed class RoutedLayer : Module, IRoutedStage
{
    private readonly IComponentStack _components;
    private readonly Tensor?[] _ones;

    /// <summary>Creates the layer; <paramref name="components"/> must be a <see cref="Module"/>.</summary>
    public RoutedLayer(IComponentStack components, IRouter router, CombineMode combine = CombineMode.Mean)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(router);
        if (components is not Module module)
        {
            throw new ArgumentException("The component stack must be a Module so its parameters are registered.", nameof(components));
        }

        if (router.Components != components.Count)
        {
            throw new ArgumentException($"The router allocates {router.Components} components but the layer has {components.Count}.", nameof(router));
        }

        _components = components;
        Router = router;
        Combine = combine;
        RegisterModule("components", module);
        if (router is Module r)
        {
            RegisterModule("router", r);
        }

        _ones = new Tensor?[components.Count + 1];
    }

    /// <summary>The router.</summary>
    public IRouter Router { get; }

    /// <summary>How active components are combined.</summary>
    public CombineMode Combine { get; }

    /// <summary>The components (for exporters).</summary>
    internal IComponentStack Components => _components;

    /// <summary>Number of components.</summary>
    public int Count => _components.Count;

    /// <summary>The layer's output for the context's task.</summary>
    public Tensor Forward(Tensor x, in RoutingContext ctx)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (ctx.Training && Router.Logits is not null)
        {
            Tensor z = Router.Sample(ctx);
            var all = _components.Forward(x, default);
            return Ops.Reshape(ComponentCombiner.Combine(all.Stacked, z, Combine), all.Combined.ToArray());
        }

        float[] row = ctx.Training ? Router.Sample(ctx).ToArray() : Router.EvaluationRow(ctx);
        Span<int> active = stackalloc int[row.Length];
        int a = 0;
        for (int c = 0; c < row.Length; c++)
        {
            if (row[c] != 0f)
            {
                active[a++] = c;
            }
        }

        if (a == 0)
        {
            return Tensor.ScratchZeros(_components.OutputShape(x.Shape));
        }

        var sub = _components.Forward(x, active[..a]);
        Tensor ones = _ones[a] ??= Tensor.Full(new Shape(a), 1f);
        return Ops.Reshape(ComponentCombiner.Combine(sub.Stacked, ones, Combine), sub.Combined.ToArray());
    }
    /// <summary>
    /// Evaluation outputs for several tasks reading the same input: the union of their allocated components is
    /// evaluated once (one batched op) and each task combines its own, with the same weights in the same order as
    /// <see cref="Forward"/> would; tasks with the same allocation get the same tensor. For predicting every task of a
    /// routed network at once (<see cref="RoutedNetwork.ForwardEvaluation"/>).
    /// </summary>
    internal Tensor[] ForwardEvaluation(Tensor x, int[] tasks, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(x);
        var rows = new float[tasks.Length][];
        var used = new bool[Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            rows[i] = Router.EvaluationRow(new RoutingContext(tasks[i], false, 1f, rng));
            for (int c = 0; c < rows[i].Length; c++)
            {
                used[c] |= rows[i][c] != 0f;
            }
        }

        int[] union = Enumerable.Range(0, Count).Where(c => used[c]).ToArray();
        var outputs = new Tensor[tasks.Length];
        StackedOutput all = union.Length > 0 ? _components.Forward(x, union) : default;
        for (int i = 0; i < tasks.Length; i++)
        {
            int same = Array.FindIndex(rows, 0, i, r => ActiveEqual(r, rows[i]));
            if (same >= 0)
            {
                outputs[i] = outputs[same];
                continue;
            }

            var z = new float[union.Length];
            int a = 0;
            for (int k = 0; k < union.Length; k++)
            {
                if (rows[i][union[k]] != 0f)
                {
                    z[k] = 1f;
                    a++;
                }
            }

            outputs[i] = a == 0
                ? Tensor.ScratchZeros(_components.OutputShape(x.Shape))
                : Ops.Reshape(ComponentCombiner.Combine(all.Stacked, Tensor.FromArray(z, z.Length), Combine), all.Combined.ToArray());
        }

        return outputs;
    }

    private static bool ActiveEqual(float[] a, float[] b)
    {
        for (int c = 0; c < a.Length; c++)
        {
            if ((a[c] != 0f) != (b[c] != 0f))
            {
                return false;
            }
        }

        return true;
    }
}
