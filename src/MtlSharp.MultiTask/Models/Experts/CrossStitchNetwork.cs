using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Cross-stitch networks (Misra et al. 2016, "Cross-stitch Networks for Multi-task Learning") for dense layers: one
/// column of layers per task (linear + ReLU, all columns of a depth evaluated as one batched op), and after every
/// layer a cross-stitch unit that replaces each task's activations by a learned linear combination of every task's:
/// h̃_t = Σ_s α_{t,s} h_s, one T × T matrix α per layer. Then each task's tower reads its own column.
/// </summary>
/// <remarks>
/// α starts at <c>selfWeight</c> on the diagonal and (1 − selfWeight)/(T − 1) elsewhere (the paper's (0.9, 0.1)
/// for two tasks), is shared (it couples the tasks) and trained with the model's optimizer (the paper raises its
/// learning rate; use a configuration's learning rate to tune). Where α is the identity the network is T separate
/// networks; where every row is uniform it is a shared network evaluated T times. The taggers' cross-stitch and sluice
/// units (<see cref="Sluice"/>) are the sequence version. All columns are computed for any task, since every task
/// reads all of them; a batch whose parts read the same rows computes them once. The α matrices are reported like gate
/// weights (one T × T matrix per layer).
/// </remarks>
public sealed class CrossStitchNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly MlpComponents[] _columns;
    private readonly Parameter[] _alpha;
    private readonly TaskHeads _towers;
    private readonly int[] _sizes;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): per task, layers of widths <paramref name="sizes"/> with a cross-stitch unit after each, then towers
    /// (hidden <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public CrossStitchNetwork(int inputWidth, IReadOnlyList<int> sizes, float selfWeight, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        if (sizes.Count == 0 || sizes.Any(s => s < 1))
        {
            throw new ArgumentException("Cross-stitch columns need at least one layer, every width positive.", nameof(sizes));
        }

        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (!(selfWeight is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(selfWeight), selfWeight, "The initial self weight of a cross-stitch unit must be in [0, 1].");
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        _sizes = [.. sizes];
        _columns = new MlpComponents[sizes.Count];
        _alpha = new Parameter[sizes.Count];
        float other = Tasks > 1 ? (1f - selfWeight) / (Tasks - 1) : 0f;
        for (int l = 0; l < sizes.Count; l++)
        {
            int fin = l == 0 ? inputWidth : sizes[l - 1];
            _columns[l] = RegisterModule($"layer{l}", new MlpComponents(Tasks, [fin, sizes[l]], outputRelu: true, rng));
            var a = new float[Tasks * Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                for (int s = 0; s < Tasks; s++)
                {
                    a[(t * Tasks) + s] = t == s ? (Tasks > 1 ? selfWeight : 1f) : other;
                }
            }

            _alpha[l] = RegisterParameter($"alpha{l}", Tensor.FromArray(a, Tasks, Tasks));
        }

        _towers = RegisterModule("towers", new TaskHeads(sizes[^1], towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, sizes.Count).Select(l => $"stitch/layer{l}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Number of layers (and cross-stitch units) per column.</summary>
    public int Layers => _columns.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The columns' layers at depth <paramref name="l"/>, one component per task (for exporters).</summary>
    internal MlpComponents Column(int l) => _columns[l];

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>The cross-stitch matrix α [T, T] after layer <paramref name="l"/> (row t: what task t's activations take from each task).</summary>
    public float[,] Alpha(int l)
    {
        var a = new float[Tasks, Tasks];
        ReadOnlySpan<float> v = _alpha[l].Data;
        for (int t = 0; t < Tasks; t++)
        {
            for (int s = 0; s < Tasks; s++)
            {
                a[t, s] = v[(t * Tasks) + s];
            }
        }

        return a;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        int n = x.Shape[0];
        Tensor h = x;   // [N, in], then [T, N, width]: every task's column
        for (int l = 0; l < _columns.Length; l++)
        {
            var layer = _columns[l];
            var y = Ops.Relu(Ops.ComponentLinear(h, layer.Weights[0].Value, layer.Biases[0].Value));   // [T, N, width]
            var mixed = Ops.MatMul(_alpha[l].Value, Ops.Reshape(y, Tasks, n * _sizes[l]));
            h = Ops.Reshape(mixed, Tasks, n, _sizes[l]);
        }

        if (gates is not null)
        {
            for (int l = 0; l < _alpha.Length; l++)
            {
                for (int t = 0; t < Tasks; t++)
                {
                    gates.Add(l, t, 0, Ops.Slice(_alpha[l].Value, 0, t, 1));
                }
            }
        }

        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            var own = Ops.Reshape(Ops.Slice(h, 0, t, 1), n, _sizes[^1]);
            outputs[i] = _towers.Forward(own, t);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new(Enumerable.Range(0, Layers).Select(_ => (Tasks, Tasks)).ToArray());

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        return Enumerable.Range(0, Layers)
            .Select(l => new NamedMatrix($"cross-stitch α after layer {l} (task × task it takes from)", [.. taskNames], [.. taskNames], statistics.Mean(l)))
            .ToArray();
    }
}
