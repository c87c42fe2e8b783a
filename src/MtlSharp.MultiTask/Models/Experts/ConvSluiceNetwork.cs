using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Sluice networks (Ruder et al. 2019) over convolutions: one conv column per task (<see cref="ConvColumns"/>) and,
/// at every unit point, an α unit over (task, subspace) whose subspaces are <em>channel groups</em>: a unit's C
/// channels (or an mlp's units) split into S contiguous groups of C/S, and every output group a learned linear
/// combination of every task's groups (<see cref="SubspaceMixing.MixAll"/>, the same unit as the taggers' and the
/// dense <see cref="SluiceNetwork"/>'s); each task's tower reads a β mixture of its layers
/// (<see cref="LayerMixing"/>), and λ Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F over every conv kernel (rows: output channels,
/// flattened [C_in·k·k]) and every mlp stage's last weight, split by subspace, pushes the subspaces apart
/// (<see cref="Objectives.OrthogonalityPenalty.Of"/>).
/// </summary>
/// <remarks>
/// <para>Layers of different shapes: the β mixture needs equal shapes, so it mixes the <em>trailing</em> units whose
/// output has the last unit's shape (e.g. two mlp layers of one width ending a LeNet column); earlier units (feature
/// maps of other sizes) feed the columns only, as if their β were 0. A β over fewer than two such units is refused
/// (set layer mixing off). The paper's sluice networks stack layers of one width, so this is our extension, not
/// theirs.</para>
/// <para>α and β start as the taggers' imbalanced schemes (<see cref="SluiceInit"/>); both are shared parameters
/// trained with the model's optimizer. With S = 1 and no β it is <see cref="ConvCrossStitchNetwork"/> (α initial
/// values aside); with α the identity it is separate networks. Reported: α per unit ((task, subspace) × (task,
/// subspace)) and β (task × mixed layer).</para>
/// </remarks>
public sealed class ConvSluiceNetwork : ExpertNetwork
{
    private readonly ConvColumns _columns;
    private readonly Parameter[] _alpha;
    private readonly Parameter? _beta;
    private readonly TaskHeads _towers;
    private readonly IRegularizer[] _regularizers;

    /// <summary>
    /// Creates the network over <paramref name="columns"/> (complete; every unit's channels or width divisible by
    /// <paramref name="subspaces"/>), a β mixture of the trailing equal-shaped units when <paramref name="layerMixing"/>,
    /// the orthogonality penalty weighted by <paramref name="orthogonality"/>, and towers (hidden
    /// <paramref name="towerSizes"/>) for tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public ConvSluiceNetwork(ConvColumns columns, int subspaces, bool layerMixing, float orthogonality, IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(subspaces, 1);
        if (outputs.Count != columns.Tasks)
        {
            throw new ArgumentException($"The columns are built for {columns.Tasks} task(s) but {outputs.Count} outputs were given.", nameof(outputs));
        }

        if (!(orthogonality >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(orthogonality), orthogonality, "The orthogonality weight must be non-negative.");
        }

        var points = columns.UnitPoints();
        if (points.Count == 0)
        {
            throw new ArgumentException("Conv sluice columns need at least one conv or mlp layer.", nameof(columns));
        }

        foreach (int p in points)
        {
            var shape = columns.ShapeAfter(p);
            if (shape[0] % subspaces != 0)
            {
                throw new ArgumentException($"layer {p}: its {shape[0]} {(shape.Count == 3 ? "channels" : "units")} cannot be split into {subspaces} subspaces (make them divisible by subspaces).", nameof(subspaces));
            }
        }

        Tasks = outputs.Count;
        Subspaces = subspaces;
        Units = points.Count;
        var last = columns.ShapeAfter(points[^1]);
        int mixed = 0;
        while (mixed < Units && columns.ShapeAfter(points[Units - 1 - mixed]).SequenceEqual(last))
        {
            mixed++;
        }

        if (layerMixing && mixed < 2)
        {
            throw new ArgumentException($"The β layer mixture needs at least two trailing layers of one output shape (e.g. two mlp layers of one width); the last layer's shape [{string.Join(", ", last)}] ends only one. Set layer mixing off.", nameof(layerMixing));
        }

        MixedUnits = layerMixing ? mixed : 0;
        _columns = RegisterModule("columns", columns);
        _alpha = new Parameter[Units];
        int n = Tasks * subspaces;
        for (int u = 0; u < Units; u++)
        {
            _alpha[u] = RegisterParameter($"alpha{u}", Tensor.FromArray(SluiceInit.Alpha(Tasks, subspaces, AlphaInit.Imbalanced), n, n));
        }

        if (layerMixing)
        {
            _beta = RegisterParameter("beta", Tensor.FromArray(SluiceInit.Beta(Tasks, MixedUnits, BetaInit.Imbalanced), Tasks, MixedUnits));
        }

        Features = last.Aggregate(1, (a, b) => a * b);
        _towers = RegisterModule("towers", new TaskHeads(Features, towerSizes, outputs, rng));
        _regularizers = orthogonality > 0f && subspaces > 1 ? [new Orthogonality(this, orthogonality)] : [];
        GateKeys = [.. Enumerable.Range(0, Units).Select(u => $"alpha/unit{u}"), .. layerMixing ? new[] { "beta" } : []];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Subspaces (channel groups) S per unit.</summary>
    public int Subspaces { get; }

    /// <summary>Number of α units.</summary>
    public int Units { get; }

    /// <summary>Number of trailing units the β mixture reads (0 without layer mixing).</summary>
    public int MixedUnits { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <summary>The columns (for exporters).</summary>
    internal ConvColumns Columns => _columns;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Width of the flattened unit outputs each tower reads.</summary>
    internal int Features { get; }

    /// <summary>α of unit <paramref name="u"/>: [(T·S), (T·S)] row-major, row t·S + s′ = what task t's channel group s′ takes.</summary>
    public Parameter Alpha(int u) => _alpha[u];

    /// <summary>β [T, <see cref="MixedUnits"/>] (row t: task t's weights of the trailing units), or null without layer mixing.</summary>
    public Parameter? Beta => _beta;

    /// <summary>
    /// The orthogonality penalty, unweighted: over tasks, every conv kernel ([F, C_in·k·k], rows = output channels)
    /// and every mlp stage's last weight ([out, in]), Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F of its rows split into S groups
    /// (zero with S = 1).
    /// </summary>
    public Tensor OrthogonalityPenalty()
    {
        Tensor? total = null;
        if (Subspaces > 1)
        {
            foreach (var stage in _columns.StageList.Where(s => s.Kind != ColumnStageKind.MaxPool))
            {
                for (int t = 0; t < Tasks; t++)
                {
                    Tensor rows;
                    if (stage.Conv is { } conv)
                    {
                        var w = conv.Weight.Value;   // [T·F, C_in, k, k]
                        rows = Ops.Reshape(Ops.Slice(w, 0, t * conv.Filters, conv.Filters), conv.Filters, w.Length / w.Shape[0]);
                    }
                    else
                    {
                        var w = stage.Mlp!.Weights[^1].Value;   // [T, in, out]
                        int fin = w.Shape[1], fout = w.Shape[2];
                        rows = Ops.Transpose(Ops.Reshape(Ops.Slice(w, 0, t, 1), fin, fout), 0, 1);
                    }

                    var term = Objectives.OrthogonalityPenalty.Of(rows, Subspaces);
                    total = total is null ? term : Ops.Add(total, term);
                }
            }
        }

        return total ?? Tensor.Scalar(0f);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var units = _columns.Forward(x, (u, h) => SubspaceMixing.MixAll(h, _alpha[u].Value, Subspaces));
        if (gates is not null)
        {
            SluiceUnits.Record(gates, _alpha, _beta, Tasks, Subspaces);
        }

        int n = x.Shape[0];
        int first = _beta is null ? Units - 1 : Units - MixedUnits;
        return SluiceUnits.Towers(tasks, Tasks, (l, t) => Ops.Reshape(Ops.Slice(units[first + l], 0, t, 1), n, Features), _beta is null ? 1 : MixedUnits, _beta, _towers);
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => SluiceUnits.Statistics(Units, Tasks, Subspaces, _beta is not null, MixedUnits);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        var points = _columns.UnitPoints();
        return SluiceUnits.Matrices(statistics, taskNames, Units, Subspaces, _beta is not null, "channel group", "g", u => "layer " + points[u].ToString(CultureInfo.InvariantCulture),
            Enumerable.Range(Units - MixedUnits, MixedUnits).Select(u => "layer " + points[u].ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>λ times <see cref="OrthogonalityPenalty"/>, in training passes.</summary>
    private sealed class Orthogonality(ConvSluiceNetwork network, float weight) : IRegularizer
    {
        public string Name => "orthogonality";

        public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context) =>
            context.Training ? Ops.Scale(network.OrthogonalityPenalty(), weight) : null;
    }
}
