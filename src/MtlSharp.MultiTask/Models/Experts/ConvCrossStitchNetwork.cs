using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Cross-stitch networks (Misra et al. 2016) over convolutions: one conv column per task (<see cref="ConvColumns"/>:
/// conv, max-pool and mlp stages) and a cross-stitch unit at every unit point (after each pooling layer and each
/// fully connected layer, as the paper) that replaces each task's feature maps by a learned linear combination of
/// every task's: h̃_t = Σ_s α_{t,s} h_s, one T × T matrix α per unit; then each task's tower reads its own column.
/// </summary>
/// <remarks>
/// By default one α per unit for all channels (the paper's main variant): the unit is
/// <see cref="SubspaceMixing.MixAll"/> with one subspace (the taggers' and the dense sluice's α unit). With
/// <c>channelWise</c>, Misra et al.'s channel-wise variant: one T × T matrix per channel of the unit's output (a conv
/// unit's feature maps; an mlp unit's units), α [C, T, T], mixed by <see cref="SubspaceMixing.MixChannels"/> over the
/// feature maps as [T, N, C, H·W]. α starts as in <see cref="CrossStitchNetwork"/> (<c>selfWeight</c> on the
/// diagonal, the rest of a row sharing 1 − it; every channel alike) and trains with the model's optimizer. Where α is
/// the identity the network is T separate conv networks. Reported like the dense version: one T × T matrix per unit
/// (channel-wise: the mean over channels, then per unit the standard deviation over channels).
/// </remarks>
public sealed class ConvCrossStitchNetwork : ExpertNetwork
{
    private readonly ConvColumns _columns;
    private readonly Parameter[] _alpha;
    private readonly int[] _channels;   // per unit: channels of its output (a conv unit's feature maps, an mlp's units)
    private readonly TaskHeads _towers;

    /// <summary>
    /// Creates the network over <paramref name="columns"/> (one column per task, complete) with α diagonals
    /// <paramref name="selfWeight"/> and towers (hidden <paramref name="towerSizes"/>) for tasks with output widths
    /// <paramref name="outputs"/>; <paramref name="channelWise"/>: one α per channel of each unit.
    /// </summary>
    public ConvCrossStitchNetwork(ConvColumns columns, float selfWeight, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng, bool channelWise = false)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        if (outputs.Count != columns.Tasks)
        {
            throw new ArgumentException($"The columns are built for {columns.Tasks} task(s) but {outputs.Count} outputs were given.", nameof(outputs));
        }

        if (!(selfWeight is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(selfWeight), selfWeight, "The initial self weight of a cross-stitch unit must be in [0, 1].");
        }

        Tasks = outputs.Count;
        Units = columns.UnitPoints().Count;
        if (Units == 0)
        {
            throw new ArgumentException("Conv cross-stitch columns need at least one conv or mlp layer.", nameof(columns));
        }

        _columns = RegisterModule("columns", columns);
        ChannelWise = channelWise;
        var points = columns.UnitPoints();
        _channels = points.Select(i => columns.ShapeAfter(i)[0]).ToArray();
        _alpha = new Parameter[Units];
        for (int u = 0; u < Units; u++)
        {
            _alpha[u] = RegisterParameter($"alpha{u}", CrossStitchAlpha.Initial(Tasks, selfWeight, _channels[u], channelWise));
        }

        Features = columns.OutputShape.Aggregate(1, (a, b) => a * b);
        _towers = RegisterModule("towers", new TaskHeads(Features, towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, Units).Select(u => $"stitch/unit{u}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Whether every unit has one α per channel (α [C, T, T]) rather than one for all channels ([T, T]).</summary>
    public bool ChannelWise { get; }

    /// <summary>Number of cross-stitch units.</summary>
    public int Units { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The columns (for exporters).</summary>
    internal ConvColumns Columns => _columns;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Width of the flattened last unit output each tower reads.</summary>
    internal int Features { get; }

    /// <summary>
    /// α [T, T] of unit <paramref name="u"/> (row t: what task t's feature maps take from each task); channel-wise
    /// α [C, T, T], one such matrix per channel of the unit's output.
    /// </summary>
    public Parameter Alpha(int u) => _alpha[u];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var units = _columns.Forward(x, Mix);
        if (gates is not null)
        {
            for (int u = 0; u < Units; u++)
            {
                CrossStitchAlpha.Record(gates, u, _alpha[u].Value, Tasks);
            }
        }

        int n = x.Shape[0];
        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            outputs[i] = _towers.Forward(Ops.Reshape(Ops.Slice(units[^1], 0, t, 1), n, Features), t);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new(Enumerable.Range(0, Units).Select(_ => (Tasks, Tasks)).ToArray());

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        var points = _columns.UnitPoints();
        string Unit(int u) => ChannelWise
            ? $"channel-wise cross-stitch α after layer {points[u]}"
            : $"cross-stitch α after layer {points[u]}";
        string What(int u) => _columns.ShapeAfter(points[u]).Count == 3 ? "channels" : "units";   // feature maps, or an mlp's units
        var matrices = Enumerable.Range(0, Units)
            .Select(u => new NamedMatrix($"{Unit(u)} ({(ChannelWise ? $"mean over its {What(u)}, " : "")}task × task it takes from)", [.. taskNames], [.. taskNames], statistics.Mean(u)))
            .ToList();
        if (ChannelWise)
        {
            // Report-only matrices past the statistics: how far the channels' mixtures differ.
            matrices.AddRange(Enumerable.Range(0, Units).Select(u => CrossStitchAlpha.Spread(Unit(u), What(u), _alpha[u].Data, Tasks, taskNames)));
        }

        return matrices;
    }

    /// <summary>Unit <paramref name="u"/> on the columns' state [T, N, D] (D = C·H·W channel-major, or an mlp's width).</summary>
    private Tensor Mix(int u, Tensor h)
    {
        if (!ChannelWise)
        {
            return SubspaceMixing.MixAll(h, _alpha[u].Value, 1);
        }

        int n = h.Shape[1], d = h.Shape[2], c = _channels[u];
        return Ops.Reshape(SubspaceMixing.MixChannels(Ops.Reshape(h, Tasks, n, c, d / c), _alpha[u].Value), Tasks, n, d);
    }
}
