using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Routing;

/// <summary>
/// A stack of routed layers (with optional shared stages between them), then — optionally — flatten, dropout and
/// per-task heads (paper Fig. 3). With no heads the last stage's output is the prediction (App. A3).
/// </summary>
public sealed class RoutedNetwork : Module
{
    private readonly Module[] _stages;
    private readonly TaskHeads? _heads;
    private readonly float _dropout;

    /// <summary>
    /// Creates the network. Each stage is an <see cref="IRoutedStage"/> (a <see cref="RoutedLayer"/>, a
    /// <see cref="PerExampleRoutedLayer"/>) or a shared <see cref="Module{TIn, TOut}"/>.
    /// </summary>
    public RoutedNetwork(IReadOnlyList<Module> stages, TaskHeads? heads, float dropout, int tasks)
    {
        ArgumentNullException.ThrowIfNull(stages);
        Tasks = tasks;
        _stages = [.. stages];
        for (int i = 0; i < _stages.Length; i++)
        {
            if (_stages[i] is not (IRoutedStage or Module<Tensor, Tensor>))
            {
                throw new ArgumentException($"Stage {i} ({_stages[i].GetType().Name}) is neither a routed stage nor a Module<Tensor, Tensor>.", nameof(stages));
            }

            RegisterModule($"stage{i}", _stages[i]);
        }

        if (heads is not null)
        {
            _heads = RegisterModule("heads", heads);
        }

        _dropout = dropout;
        RoutedLayers = _stages.OfType<RoutedLayer>().ToArray();
        PerExampleLayers = _stages.OfType<PerExampleRoutedLayer>().ToArray();
        RouterLogits = RoutedLayers.Select(l => l.Router.Logits).OfType<Tensor>().ToArray();
    }

    /// <summary>Number of tasks.</summary>
    public int Tasks { get; }

    /// <summary>The routed layers, in order.</summary>
    public IReadOnlyList<RoutedLayer> RoutedLayers { get; }

    /// <summary>The layers routed per example (mixture-of-experts gates), in order.</summary>
    public IReadOnlyList<PerExampleRoutedLayer> PerExampleLayers { get; }

    /// <summary>The learned routers' logits (empty for fixed allocations), for the budget penalty.</summary>
    public IReadOnlyList<Tensor> RouterLogits { get; }

    /// <summary>The stages, in order (for exporters).</summary>
    internal IReadOnlyList<Module> Stages => _stages;

    /// <summary>The per-task heads, or null (for exporters).</summary>
    internal TaskHeads? Heads => _heads;

    /// <summary>Whether any layer learns its allocation.</summary>
    public bool LearnsAllocation => RouterLogits.Count > 0;

    /// <summary>Predictions for the context's task.</summary>
    public Tensor Forward(Tensor x, in RoutingContext ctx)
    {
        foreach (var stage in _stages)
        {
            x = stage is IRoutedStage r ? r.Forward(x, ctx) : ((Module<Tensor, Tensor>)stage).Forward(x);
        }

        if (_heads is null)
        {
            return x;
        }

        x = Ops.Flatten(x, 1);
        if (_dropout > 0)
        {
            x = Ops.Dropout(x, _dropout, ctx.Rng, ctx.Training, ctx.Rows);
        }

        return _heads.Forward(x, ctx.Task);
    }

    /// <summary>
    /// Why the network has no trunk shared by every task (null when it has one): it needs heads, and every routed layer
    /// a fixed allocation giving all tasks the same components (shared bottom).
    /// </summary>
    public string? TrunkUnavailable
    {
        get
        {
            if (_heads is null)
            {
                return "the network has no task heads, so its last layer is the prediction, not a shared representation";
            }

            if (PerExampleLayers.Count > 0)
            {
                return "a routed layer picks components per example and task (mixture-of-experts routing), so each task reads its own representation";
            }

            for (int l = 0; l < RoutedLayers.Count; l++)
            {
                var router = RoutedLayers[l].Router;
                if (router.Logits is not null)
                {
                    return $"routed layer {l} learns its allocation, so each task reads its own representation";
                }

                var a = router.MaximumLikelihood();
                for (int t = 1; t < a.Length; t++)
                {
                    if (!a[t].AsSpan().SequenceEqual(a[0]))
                    {
                        return $"in routed layer {l} tasks use different components (only a shared bottom has one shared representation)";
                    }
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The shared trunk (every stage, then flatten to [rows, features]) — the representation the heads read. Valid
    /// only where <see cref="TrunkUnavailable"/> is null; <paramref name="ctx"/>'s task picks the (identical) allocation.
    /// </summary>
    public Tensor ForwardTrunk(Tensor x, in RoutingContext ctx)
    {
        foreach (var stage in _stages)
        {
            x = stage is IRoutedStage r ? r.Forward(x, ctx) : ((Module<Tensor, Tensor>)stage).Forward(x);
        }

        return Ops.Flatten(x, 1);
    }

    /// <summary>The context's task's predictions from the trunk's output <paramref name="z"/>: dropout, then its head.</summary>
    public Tensor ForwardHead(Tensor z, in RoutingContext ctx)
    {
        if (_heads is null)
        {
            throw new InvalidOperationException("The network has no task heads.");
        }

        if (_dropout > 0)
        {
            z = Ops.Dropout(z, _dropout, ctx.Rng, ctx.Training, ctx.Rows);
        }

        return _heads.Forward(z, ctx.Task);
    }

    /// <summary>Maximum-likelihood allocation of every routed layer: [layer][task][component].</summary>
    public IReadOnlyList<int[][]> Allocations() => RoutedLayers.Select(l => l.Router.MaximumLikelihood()).ToArray();

    /// <summary>Allocation probabilities of every routed layer: [layer][task][component].</summary>
    public IReadOnlyList<double[][]> Probabilities() => RoutedLayers.Select(l => l.Router.Probabilities()).ToArray();
    /// <summary>
    /// Evaluation predictions of every task in <paramref name="tasks"/> for the same input: what <see cref="Forward"/>
    /// gives each of them (not training), computed once for the tasks that read the same tensor — a routed layer
    /// evaluates the union of their components once (<see cref="RoutedLayer.ForwardEvaluation"/>), and tasks with the
    /// same allocation so far share one output. Per-example routed layers and the heads run per task.
    /// </summary>
    internal Tensor[] ForwardEvaluation(Tensor x, int[] tasks, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(tasks);
        var groups = new List<(Tensor X, int[] Positions)> { (x, Enumerable.Range(0, tasks.Length).ToArray()) };
        foreach (var stage in _stages)
        {
            var next = new List<(Tensor X, int[] Positions)>();
            foreach (var (gx, positions) in groups)
            {
                switch (stage)
                {
                    case RoutedLayer layer:
                        var outs = layer.ForwardEvaluation(gx, positions.Select(p => tasks[p]).ToArray(), rng);
                        var seen = new Dictionary<Tensor, List<int>>(ReferenceEqualityComparer.Instance);
                        for (int i = 0; i < positions.Length; i++)
                        {
                            if (!seen.TryGetValue(outs[i], out var list))
                            {
                                seen[outs[i]] = list = [];
                                next.Add((outs[i], []));
                            }

                            list.Add(positions[i]);
                        }

                        for (int g = next.Count - seen.Count; g < next.Count; g++)
                        {
                            next[g] = (next[g].X, [.. seen[next[g].X]]);
                        }

                        break;
                    case IRoutedStage routed:
                        foreach (int p in positions)
                        {
                            next.Add((routed.Forward(gx, new RoutingContext(tasks[p], false, 1f, rng)), [p]));
                        }

                        break;
                    default:
                        next.Add((((Module<Tensor, Tensor>)stage).Forward(gx), positions));
                        break;
                }
            }

            groups = next;
        }

        var result = new Tensor[tasks.Length];
        foreach (var (gx, positions) in groups)
        {
            foreach (int p in positions)
            {
                result[p] = _heads is null ? gx : ForwardHead(Ops.Flatten(gx, 1), new RoutingContext(tasks[p], false, 1f, rng));
            }
        }

        return result;
    }
}
