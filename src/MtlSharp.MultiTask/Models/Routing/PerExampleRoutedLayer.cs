using MtlSharp.NN;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A routed layer with per-example mixture-of-experts routing (Ramachandran &amp; Le 2019, the Gumbel-Matrix paper's
/// MoE baseline): a <see cref="NoisyTopKGate"/> picks, for every example, k of the layer's components from the
/// layer input (globally average-pooled for images) and the task, and the output is the gate-weighted sum of the
/// picked components' outputs. While training every component is computed (the batch's examples pick different
/// ones); at evaluation only the components some example of the batch picked.
/// </summary>
public sealed class PerExampleRoutedLayer : Module, IRoutedStage
{
    private readonly IComponentStack _components;
    private Tensor? _lastGates;

    /// <summary>Creates the layer; <paramref name="components"/> must be a <see cref="Module"/>.</summary>
    public PerExampleRoutedLayer(IComponentStack components, NoisyTopKGate gate)
    {
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(gate);
        if (components is not Module module)
        {
            throw new ArgumentException("The component stack must be a Module so its parameters are registered.", nameof(components));
        }

        if (gate.Components != components.Count)
        {
            throw new ArgumentException($"The gate weighs {gate.Components} components but the layer has {components.Count}.", nameof(gate));
        }

        _components = components;
        Gate = gate;
        RegisterModule("components", module);
        RegisterModule("gate", gate);
    }

    /// <summary>The gate.</summary>
    public NoisyTopKGate Gate { get; }

    /// <summary>Number of components.</summary>
    public int Count => _components.Count;

    /// <summary>The components (for exporters).</summary>
    internal IComponentStack Components => _components;

    /// <summary>The gates [N, C] of the latest training forward pass (for the balancing loss), then cleared by <see cref="TakeGates"/>.</summary>
    internal Tensor? TakeGates()
    {
        var g = _lastGates;
        _lastGates = null;
        return g;
    }

    /// <inheritdoc />
    public Tensor Forward(Tensor x, in RoutingContext ctx)
    {
        ArgumentNullException.ThrowIfNull(x);
        Tensor summary = x.Rank == 4 ? Ops.GlobalAvgPool(x) : x.Rank == 2 ? x : Ops.Flatten(x, 1);
        Tensor gates = Gate.Forward(summary, ctx.Task, ctx.Training, ctx.Rng, ctx.Rows);
        int n = x.Shape[0], c = Count;
        StackedOutput all;
        Tensor weights;
        if (ctx.Training)
        {
            _lastGates = gates;
            all = _components.Forward(x, default);
            weights = gates;
        }
        else
        {
            Span<int> used = stackalloc int[c];
            int a = 0;
            ReadOnlySpan<float> g = gates.Span;
            for (int j = 0; j < c; j++)
            {
                for (int r = 0; r < n; r++)
                {
                    if (g[(r * c) + j] != 0f)
                    {
                        used[a++] = j;
                        break;
                    }
                }
            }

            all = _components.Forward(x, used[..a]);
            if (a == c)
            {
                weights = gates;
            }
            else
            {
                var cols = new Tensor[a];
                for (int i = 0; i < a; i++)
                {
                    cols[i] = Ops.Slice(gates, 1, used[i], 1);
                }

                weights = a == 1 ? cols[0] : Ops.Concat(cols, 1);
            }
        }

        Tensor stacked = all.Stacked;
        ShapeMismatchException.Require(stacked.Shape[0] == n, "PerExampleRoutedLayer", "component outputs laid out [N, C, inner]", stacked.Shape);
        int k = stacked.Shape[1];
        Tensor mixed = Ops.Sum(Ops.Mul(stacked, Ops.Reshape(weights, n, k, 1)), 1);
        return Ops.Reshape(mixed, all.Combined.ToArray());
    }
}
