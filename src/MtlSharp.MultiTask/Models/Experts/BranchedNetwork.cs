using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Learned branching (Learning to Branch, Guo, Lee &amp; Ulbricht 2020) for flat inputs: a tree-shaped network whose
/// layer l holds K_l nodes (dense layer to the width + ReLU); every node of layer l ≥ 1 reads one parent of layer
/// l − 1 and every task's tower one node of the last layer, each choice drawn from learned categorical logits with
/// straight-through Gumbel-Softmax (forward: one parent; backward: the softmax's gradient at the scheduled
/// temperature). At evaluation each choice is the most likely parent, which fixes the tree.
/// </summary>
/// <remarks>
/// Layer 0's nodes all read the input (K_0 = 1 makes a single root). Parameters: <c>node{l}_{j}_weight</c> [width,
/// in] (Glorot-uniform) and <c>_bias</c> (zero), shared; the parent logits <c>parents{l}</c> [K_l, K_{l−1}] and the
/// leaf logits <c>leaves</c> [T, K_{L−1}] start at zero (every parent equally likely) and are routing parameters
/// (trained with <c>optimizer.routerLearningRate</c>, as Gumbel-Matrix logits). The temperature is the loop's
/// Gumbel-Softmax schedule (<see cref="ForwardContext.Temperature"/>). Deviations from the paper: dense nodes (its
/// are convolutional blocks), one sample of the tree per training step for the whole batch, straight-through samples
/// (the paper anneals soft samples), no re-training of the final tree from scratch. Reported: P(parent) per layer,
/// the leaves' P(node) per task, and the final tree as a task × layer map of the node each task's path uses (equal
/// values in a column = tasks that share that node).
/// </remarks>
public sealed class BranchedNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly Parameter[][] _weights;
    private readonly Parameter[][] _biases;
    private readonly Parameter?[] _parents;
    private readonly Parameter _leaves;
    private readonly TaskHeads _towers;
    private readonly int[] _nodes;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): layers of <paramref name="nodes"/>[l] nodes of <paramref name="width"/> units each, towers (hidden
    /// <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public BranchedNetwork(int inputWidth, IReadOnlyList<int> nodes, int width, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (nodes.Count == 0 || nodes.Any(k => k < 1))
        {
            throw new ArgumentException("A branched network needs at least one layer, every layer at least one node.", nameof(nodes));
        }

        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        Width = width;
        _nodes = [.. nodes];
        _weights = new Parameter[_nodes.Length][];
        _biases = new Parameter[_nodes.Length][];
        _parents = new Parameter?[_nodes.Length];
        for (int l = 0; l < _nodes.Length; l++)
        {
            int fin = l == 0 ? inputWidth : width;
            _weights[l] = new Parameter[_nodes[l]];
            _biases[l] = new Parameter[_nodes[l]];
            for (int j = 0; j < _nodes[l]; j++)
            {
                string p = string.Create(CultureInfo.InvariantCulture, $"node{l}_{j}_");
                _weights[l][j] = RegisterParameter(p + "weight", ExpertMix.Glorot(width, fin, rng));
                _biases[l][j] = RegisterParameter(p + "bias", Tensor.Zeros(width));
            }

            if (l > 0)
            {
                _parents[l] = RegisterParameter(string.Create(CultureInfo.InvariantCulture, $"parents{l}"), Tensor.Zeros(_nodes[l], _nodes[l - 1]), ParameterKind.Routing);
            }
        }

        _leaves = RegisterParameter("leaves", Tensor.Zeros(Tasks, _nodes[^1]), ParameterKind.Routing);
        _towers = RegisterModule("towers", new TaskHeads(width, towerSizes, outputs, rng));
        GateKeys = [.. Enumerable.Range(1, _nodes.Length - 1).Select(l => "parents/layer" + l.ToString(CultureInfo.InvariantCulture)), "leaves", "tree"];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Width of every node.</summary>
    public int Width { get; }

    /// <summary>Nodes per layer.</summary>
    public IReadOnlyList<int> Nodes => _nodes;

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Node <paramref name="j"/> of layer <paramref name="l"/>: weight [width, in] and bias.</summary>
    internal (Parameter Weight, Parameter Bias) Node(int l, int j) => (_weights[l][j], _biases[l][j]);

    /// <summary>The parent logits of layer <paramref name="l"/> ≥ 1, [K_l, K_{l−1}].</summary>
    public Parameter Parents(int l) => _parents[l] ?? throw new ArgumentOutOfRangeException(nameof(l), "Layer 0 reads the input.");

    /// <summary>The leaf logits [T, K_{L−1}].</summary>
    public Parameter Leaves => _leaves;

    /// <summary>
    /// The final tree: for every task, the node its path uses at every layer (most likely parents), [T][L].
    /// </summary>
    public int[][] Paths()
    {
        int layers = _nodes.Length;
        var parent = new int[layers][];
        for (int l = 1; l < layers; l++)
        {
            parent[l] = StraightThroughCategorical.ArgMax(_parents[l]!.Data, _nodes[l], _nodes[l - 1]);
        }

        int[] leaf = StraightThroughCategorical.ArgMax(_leaves.Data, Tasks, _nodes[^1]);
        return Enumerable.Range(0, Tasks).Select(t =>
        {
            var path = new int[layers];
            path[layers - 1] = leaf[t];
            for (int l = layers - 1; l > 0; l--)
            {
                path[l - 1] = parent[l][path[l]];
            }

            return path;
        }).ToArray();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null) =>
        Run(x, tasks, gates, null, 1f);

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates, in ForwardContext context) =>
        Run(x, tasks, gates, context.Training ? context.Rng : null, context.Temperature);

    private IReadOnlyList<Tensor> Run(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates, Rng? sampling, float tau)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        foreach (int t in tasks)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
        }

        var outputs = new Tensor[tasks.Length];
        if (sampling is null)
        {
            // Evaluation: the fixed tree; each task's path, nodes shared by several paths computed once.
            var paths = Paths();
            var cache = new Dictionary<(int, int), Tensor>();
            Tensor At(int l, int j, int[] path)
            {
                if (!cache.TryGetValue((l, j), out var h))
                {
                    var (w, b) = Node(l, j);
                    h = Ops.Relu(Ops.Linear(l == 0 ? x : At(l - 1, path[l - 1], path), w.Value, b.Value));
                    cache[(l, j)] = h;
                }

                return h;
            }

            for (int i = 0; i < tasks.Length; i++)
            {
                int t = tasks[i];
                outputs[i] = _towers.Forward(At(_nodes.Length - 1, paths[t][^1], paths[t]), t);
            }
        }
        else
        {
            // Training: one straight-through sample of every choice for the batch; inputs are Σ_i z_i h_i with one-hot z.
            var h = new Tensor[_nodes[0]];
            for (int j = 0; j < h.Length; j++)
            {
                h[j] = Ops.Relu(Ops.Linear(x, _weights[0][j].Value, _biases[0][j].Value));
            }

            for (int l = 1; l < _nodes.Length; l++)
            {
                var z = StraightThroughCategorical.Sample(_parents[l]!.Value, tau, sampling);   // [K_l, K_{l−1}]
                var next = new Tensor[_nodes[l]];
                for (int j = 0; j < next.Length; j++)
                {
                    next[j] = Ops.Relu(Ops.Linear(Choose(h, z, j), _weights[l][j].Value, _biases[l][j].Value));
                }

                h = next;
            }

            var leaves = StraightThroughCategorical.Sample(_leaves.Value, tau, sampling);   // [T, K_{L−1}]
            for (int i = 0; i < tasks.Length; i++)
            {
                outputs[i] = _towers.Forward(Choose(h, leaves, tasks[i]), tasks[i]);
            }
        }

        if (gates is not null)
        {
            Record(gates, tasks);
        }

        return outputs;
    }

    /// <summary>Σ_i z[row, i] · h_i: with a one-hot row, the chosen parent's output, and a gradient for every z.</summary>
    private static Tensor Choose(Tensor[] h, Tensor z, int row)
    {
        Tensor? sum = null;
        for (int i = 0; i < h.Length; i++)
        {
            var term = Ops.Mul(h[i], Ops.Slice(Ops.Slice(z, 0, row, 1), 1, i, 1));   // a one-element scale
            sum = sum is null ? term : Ops.Add(sum, term);
        }

        return sum!;
    }

    private void Record(GateStatistics gates, ReadOnlySpan<int> tasks)
    {
        for (int l = 1; l < _nodes.Length; l++)
        {
            var p = Softmax(_parents[l]!.Data, _nodes[l], _nodes[l - 1]);
            for (int j = 0; j < _nodes[l]; j++)
            {
                gates.Add(l - 1, j, 0, Tensor.FromArray(p[j], 1, p[j].Length));
            }
        }

        var leaves = Softmax(_leaves.Data, Tasks, _nodes[^1]);
        var paths = Paths();
        foreach (int t in tasks)
        {
            gates.Add(_nodes.Length - 1, t, 0, Tensor.FromArray(leaves[t], 1, leaves[t].Length));
            gates.Add(_nodes.Length, t, 0, Tensor.FromArray(paths[t].Select(v => (float)v).ToArray(), 1, _nodes.Length));
        }
    }

    private static float[][] Softmax(ReadOnlySpan<float> logits, int rows, int k)
    {
        var p = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            p[r] = new float[k];
            float max = float.NegativeInfinity;
            for (int j = 0; j < k; j++)
            {
                max = MathF.Max(max, logits[(r * k) + j]);
            }

            float sum = 0;
            for (int j = 0; j < k; j++)
            {
                p[r][j] = MathF.Exp(logits[(r * k) + j] - max);
                sum += p[r][j];
            }

            for (int j = 0; j < k; j++)
            {
                p[r][j] /= sum;
            }
        }

        return p;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() =>
        new([.. Enumerable.Range(1, _nodes.Length - 1).Select(l => (_nodes[l], _nodes[l - 1])), (Tasks, _nodes[^1]), (Tasks, _nodes.Length)]);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string[] Labels(string prefix, int n) => Enumerable.Range(0, n).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var list = new List<NamedMatrix>();
        for (int l = 1; l < _nodes.Length; l++)
        {
            list.Add(new NamedMatrix($"branching layer {l.ToString(CultureInfo.InvariantCulture)}: P(parent) (node × parent node)", Labels("n", _nodes[l]), Labels("n", _nodes[l - 1]), statistics.Mean(l - 1)));
        }

        int last = _nodes.Length - 1;
        list.Add(new NamedMatrix("leaves: P(node of the last layer) per task", [.. taskNames], Labels("n", _nodes[^1]), statistics.Mean(last)));
        var paths = Paths();
        list.Add(new NamedMatrix("tree: the node each task's path uses per layer (equal values in a column = shared node)", [.. taskNames], Labels("layer ", _nodes.Length),
            paths.Select(p => p.Select(v => (double)v).ToArray()).ToArray()));
        return list;
    }
}
