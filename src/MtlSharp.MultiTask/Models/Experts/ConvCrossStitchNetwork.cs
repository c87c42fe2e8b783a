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
/// One α per unit for all channels (the paper's main variant). Misra et al.'s channel-wise variant (one α per
/// channel) is not implemented. The unit is <see cref="SubspaceMixing.MixAll"/> with one subspace (the taggers' and
/// the dense sluice's α unit); α starts as in <see cref="CrossStitchNetwork"/> (<c>selfWeight</c> on the diagonal,
/// the rest of a row sharing 1 − it) and trains with the model's optimizer. Where α is the identity the network is T
/// separate conv networks. Reported like the dense version: one T × T matrix per unit.
/// </remarks>
public sealed class ConvCrossStitchNetwork : ExpertNetwork
{
    private readonly ConvColumns _columns;
    private readonly Parameter[] _alpha;
    private readonly TaskHeads _towers;

    /// <summary>
    /// Creates the network over <paramref name="columns"/> (one column per task, complete) with α diagonals
    /// <paramref name="selfWeight"/> and towers (hidden <paramref name="towerSizes"/>) for tasks with output widths
    /// <paramref name="outputs"/>.
    /// </summary>
    public ConvCrossStitchNetwork(ConvColumns columns, float selfWeight, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng)
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
        _alpha = new Parameter[Units];
        float other = Tasks > 1 ? (1f - selfWeight) / (Tasks - 1) : 0f;
        for (int u = 0; u < Units; u++)
        {
            var a = new float[Tasks * Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                for (int s = 0; s < Tasks; s++)
                {
                    a[(t * Tasks) + s] = t == s ? (Tasks > 1 ? selfWeight : 1f) : other;
                }
            }

            _alpha[u] = RegisterParameter($"alpha{u}", Tensor.FromArray(a, Tasks, Tasks));
        }

        Features = columns.OutputShape.Aggregate(1, (a, b) => a * b);
        _towers = RegisterModule("towers", new TaskHeads(Features, towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, Units).Select(u => $"stitch/unit{u}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

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

    /// <summary>α [T, T] of unit <paramref name="u"/> (row t: what task t's feature maps take from each task).</summary>
    public Parameter Alpha(int u) => _alpha[u];

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var units = _columns.Forward(x, (u, h) => SubspaceMixing.MixAll(h, _alpha[u].Value, 1));
        if (gates is not null)
        {
            for (int u = 0; u < Units; u++)
            {
                for (int t = 0; t < Tasks; t++)
                {
                    gates.Add(u, t, 0, Ops.Slice(_alpha[u].Value, 0, t, 1));
                }
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
        return Enumerable.Range(0, Units)
            .Select(u => new NamedMatrix($"cross-stitch α after layer {points[u]} (task × task it takes from)", [.. taskNames], [.. taskNames], statistics.Mean(u)))
            .ToArray();
    }
}
