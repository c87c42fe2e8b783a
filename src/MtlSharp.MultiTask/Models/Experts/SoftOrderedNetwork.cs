using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Soft layer ordering (Meyerson &amp; Miikkulainen 2018, "Beyond Shared Hierarchies: Deep Multitask Learning through
/// Soft Layer Ordering"): J shared layers W_1 … W_J of identical shape (linear width → width + ReLU, evaluated as one
/// batched op) are applied at every one of D depths, and each task mixes them with its own learned soft ordering:
/// h_d = Σ_j s_{t,d,j} · W_j(h_{d−1}), s_{t,d} = softmax(z_{t,d}) over the layers. The input goes through a shared
/// linear + ReLU encoder to the common width first; each task's tower reads h_D.
/// </summary>
/// <remarks>
/// Deviations from the paper: one shared input encoder instead of per-task encoders (the tasks of a run share their
/// input type here), no dropout between depths. Parameters: the encoder and the layers are shared
/// (<c>encoder.*</c>, <c>layers.*</c>: Glorot-uniform weights, zero biases); each task's scaling logits
/// <c>order{t}</c> [D, J] are task-specific and start at 0 (every ordering uniform), trained by the model's
/// optimizer; towers as <see cref="TaskHeads"/>. The soft orderings appear in the report as one gate matrix per depth
/// (task × layer). A soft ordering is fixed by its logits, so it is the same for every example.
/// </remarks>
public sealed class SoftOrderedNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly MlpComponents _encoder;
    private readonly MlpComponents _layers;
    private readonly Parameter[] _order;
    private readonly TaskHeads _towers;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given), <paramref name="layers"/> shared layers of <paramref name="width"/> units mixed at <paramref name="depth"/>
    /// depths, and towers (hidden <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public SoftOrderedNetwork(int inputWidth, int layers, int width, int depth, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        Depth = depth;
        _encoder = RegisterModule("encoder", new MlpComponents(1, [inputWidth, width], outputRelu: true, rng));
        _layers = RegisterModule("layers", new MlpComponents(layers, [width, width], outputRelu: true, rng));
        _order = new Parameter[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            _order[t] = RegisterParameter($"order{t}", Tensor.Zeros(depth, layers), ParameterKind.Task(t));
        }

        _towers = RegisterModule("towers", new TaskHeads(width, towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, depth).Select(d => $"order/depth{d}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Number of shared layers J.</summary>
    public int LayerCount => _layers.Count;

    /// <summary>Width of the shared layers.</summary>
    public int Width => _layers.OutputShape(new Shape(1, 1))[1];

    /// <summary>Number of depths D at which the layers are mixed.</summary>
    public int Depth { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The shared encoder, one component (for exporters).</summary>
    internal MlpComponents Encoder => _encoder;

    /// <summary>The shared layers, one component each (for exporters).</summary>
    internal MlpComponents Layers => _layers;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Task <paramref name="task"/>'s soft ordering: [depth][layer] weights, each row summing to one.</summary>
    public double[][] Ordering(int task)
    {
        using var scope = MtlSharp.Tensors.Autodiff.Autograd.NoGrad();
        float[] s = Ops.Softmax(_order[task].Value, 1).Span.ToArray();
        return Enumerable.Range(0, Depth).Select(d => Enumerable.Range(0, LayerCount).Select(j => (double)s[(d * LayerCount) + j]).ToArray()).ToArray();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        var encoded = Ops.Reshape(ExpertMix.Experts(_encoder, x), x.Shape[0], Width);
        var outputs = new Tensor[tasks.Length];
        int j = LayerCount;
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            var weights = Ops.Softmax(_order[t].Value, 1);   // [D, J]
            var h = encoded;
            for (int d = 0; d < Depth; d++)
            {
                var w = Ops.Slice(weights, 0, d, 1);           // [1, J]
                gates?.Add(d, t, 0, w);
                var all = ExpertMix.Experts(_layers, h);        // [J, N, width]
                h = Ops.Sum(Ops.Mul(all, Ops.Reshape(w, j, 1, 1)), 0);
            }

            outputs[i] = _towers.Forward(h, t);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new(Enumerable.Range(0, Depth).Select(_ => (Tasks, LayerCount)).ToArray());

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string[] columns = Enumerable.Range(0, LayerCount).Select(l => $"layer{l}").ToArray();
        return Enumerable.Range(0, Depth)
            .Select(d => new NamedMatrix($"soft ordering at depth {d} (task × shared layer)", [.. taskNames], columns, statistics.Mean(d)))
            .ToArray();
    }
}
