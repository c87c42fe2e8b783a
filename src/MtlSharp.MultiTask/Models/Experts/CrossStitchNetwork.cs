using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
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
/// weights (one T × T matrix per layer). With <c>channelWise</c>, Misra et al.'s channel-wise variant: one T × T α per
/// unit of the layer (α [width, T, T], <see cref="SubspaceMixing.MixChannels"/>), reported as its mean over the
/// units, then per layer the standard deviation over the units.
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
    /// (hidden <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>;
    /// <paramref name="channelWise"/>: one α per unit of each layer.
    /// </summary>
    public CrossStitchNetwork(int inputWidth, IReadOnlyList<int> sizes, float selfWeight, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng,
        Module<Tensor, Tensor>? input = null, bool channelWise = false)
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
        ChannelWise = channelWise;
        _sizes = [.. sizes];
        _columns = new MlpComponents[sizes.Count];
        _alpha = new Parameter[sizes.Count];
        for (int l = 0; l < sizes.Count; l++)
        {
            int fin = l == 0 ? inputWidth : sizes[l - 1];
            _columns[l] = RegisterModule($"layer{l}", new MlpComponents(Tasks, [fin, sizes[l]], outputRelu: true, rng));
            _alpha[l] = RegisterParameter($"alpha{l}", CrossStitchAlpha.Initial(Tasks, selfWeight, sizes[l], channelWise));
        }

        _towers = RegisterModule("towers", new TaskHeads(sizes[^1], towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, sizes.Count).Select(l => $"stitch/layer{l}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Whether every layer has one α per unit (α [width, T, T]) rather than one for the layer ([T, T]).</summary>
    public bool ChannelWise { get; }

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

    /// <summary>Width of layer <paramref name="l"/> (channel-wise: the number of its α matrices).</summary>
    public int Width(int l) => _sizes[l];

    /// <summary>
    /// The cross-stitch matrix α [T, T] after layer <paramref name="l"/> (row t: what task t's activations take from
    /// each task); channel-wise the mean over the layer's units of their matrices.
    /// </summary>
    public float[,] Alpha(int l) => CrossStitchAlpha.Mean(_alpha[l].Data, Tasks);

    /// <summary>
    /// The matrix α [T, T] that mixes unit <paramref name="unit"/> of layer <paramref name="l"/>: channel-wise that
    /// unit's own, otherwise the layer's one α (the same for every unit).
    /// </summary>
    public float[,] Alpha(int l, int unit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(unit);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unit, _sizes[l]);
        int tt = Tasks * Tasks;
        return CrossStitchAlpha.Mean(_alpha[l].Data.Slice(ChannelWise ? unit * tt : 0, tt), Tasks);
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
            var mixed = ChannelWise
                ? SubspaceMixing.MixChannels(Ops.Reshape(y, Tasks, n, _sizes[l], 1), _alpha[l].Value)
                : Ops.MatMul(_alpha[l].Value, Ops.Reshape(y, Tasks, n * _sizes[l]));
            h = Ops.Reshape(mixed, Tasks, n, _sizes[l]);
        }

        if (gates is not null)
        {
            for (int l = 0; l < _alpha.Length; l++)
            {
                CrossStitchAlpha.Record(gates, l, _alpha[l].Value, Tasks);
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
        string Unit(int l) => ChannelWise ? $"channel-wise cross-stitch α after layer {l}" : $"cross-stitch α after layer {l}";
        var matrices = Enumerable.Range(0, Layers)
            .Select(l => new NamedMatrix($"{Unit(l)} ({(ChannelWise ? "mean over its units, " : "")}task × task it takes from)", [.. taskNames], [.. taskNames], statistics.Mean(l)))
            .ToList();
        if (ChannelWise)
        {
            // Report-only matrices past the statistics: how far the units' mixtures differ.
            matrices.AddRange(Enumerable.Range(0, Layers).Select(l => CrossStitchAlpha.Spread(Unit(l), "units", _alpha[l].Data, Tasks, taskNames)));
        }

        return matrices;
    }
}
