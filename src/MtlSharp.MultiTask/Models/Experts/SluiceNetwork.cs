using System.Globalization;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Sluice;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Sluice networks (Ruder, Bingel, Augenstein &amp; Søgaard 2019, "Latent Multi-task Architecture Learning") for dense
/// layers: one column of layers per task (linear + ReLU; a depth's columns are one batched op); after every layer an α
/// unit mixes the tasks' subspaces — each task's activations split into S contiguous subspaces and every output
/// subspace a learned linear combination of every task's subspaces (<see cref="SubspaceMixing.MixAll"/>: all targets as one matrix product, the same unit as the taggers' α
/// unit); each task's tower reads a learned β mixture of its layers' outputs (<see cref="LayerMixing"/>, the taggers'
/// β unit), and the orthogonality penalty λ Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F over every column's weight rows split by
/// subspace (<see cref="Objectives.OrthogonalityPenalty"/>) pushes the subspaces apart.
/// </summary>
/// <remarks>
/// α and β start as the taggers' imbalanced schemes (<see cref="SluiceInit"/>: 0.9 from one's own subspace, 0.9 on
/// the last layer); both are shared parameters trained with the model's optimizer. With S = 1 and β one-hot on the
/// last layer the network is <see cref="CrossStitchNetwork"/>; with α the identity it is separate networks. β needs
/// every layer of one width. Reported: α per layer ((task, subspace) × (task, subspace)) and β (task × layer).
/// </remarks>
public sealed class SluiceNetwork : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly MlpComponents[] _columns;
    private readonly Parameter[] _alpha;
    private readonly Parameter? _beta;
    private readonly TaskHeads _towers;
    private readonly int[] _sizes;
    private readonly IRegularizer[] _regularizers;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given): per task, layers of widths <paramref name="sizes"/> (each divisible by <paramref name="subspaces"/>)
    /// with an α unit after each, a β layer mixture when <paramref name="layerMixing"/>, the orthogonality penalty
    /// weighted by <paramref name="orthogonality"/>, towers (hidden <paramref name="towerSizes"/>) for tasks with
    /// output widths <paramref name="outputs"/>.
    /// </summary>
    public SluiceNetwork(int inputWidth, IReadOnlyList<int> sizes, int subspaces, bool layerMixing, float orthogonality, IReadOnlyList<int> towerSizes,
        IReadOnlyList<int> outputs, Rng rng, Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(subspaces, 1);
        if (sizes.Count == 0 || sizes.Any(s => s < 1 || s % subspaces != 0))
        {
            throw new ArgumentException($"Sluice columns need at least one layer, every width positive and divisible by the {subspaces} subspace(s).", nameof(sizes));
        }

        if (layerMixing && sizes.Any(s => s != sizes[0]))
        {
            throw new ArgumentException("The β layer mixture needs every layer of one width.", nameof(sizes));
        }

        if (outputs.Count == 0)
        {
            throw new ArgumentException("Expected at least one task.", nameof(outputs));
        }

        if (!(orthogonality >= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(orthogonality), orthogonality, "The orthogonality weight must be non-negative.");
        }

        if (input is not null)
        {
            _input = RegisterModule("input", input);
        }

        Tasks = outputs.Count;
        Subspaces = subspaces;
        _sizes = [.. sizes];
        _columns = new MlpComponents[sizes.Count];
        _alpha = new Parameter[sizes.Count];
        int n = Tasks * subspaces;
        for (int l = 0; l < sizes.Count; l++)
        {
            int fin = l == 0 ? inputWidth : sizes[l - 1];
            _columns[l] = RegisterModule($"layer{l}", new MlpComponents(Tasks, [fin, sizes[l]], outputRelu: true, rng));
            _alpha[l] = RegisterParameter($"alpha{l}", Tensor.FromArray(SluiceInit.Alpha(Tasks, subspaces, AlphaInit.Imbalanced), n, n));
        }

        if (layerMixing)
        {
            _beta = RegisterParameter("beta", Tensor.FromArray(SluiceInit.Beta(Tasks, sizes.Count, BetaInit.Imbalanced), Tasks, sizes.Count));
        }

        _towers = RegisterModule("towers", new TaskHeads(sizes[^1], towerSizes, outputs, rng));
        _regularizers = orthogonality > 0f && subspaces > 1 ? [new Orthogonality(this, orthogonality)] : [];
        GateKeys = [.. Enumerable.Range(0, sizes.Count).Select(l => $"alpha/layer{l}"), .. layerMixing ? new[] { "beta" } : []];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Subspaces S per layer.</summary>
    public int Subspaces { get; }

    /// <summary>Number of layers per column.</summary>
    public int Layers => _columns.Length;

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <summary>The optional input stage (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The towers (for exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>The columns' layers at depth <paramref name="l"/>, one component per task (for exporters).</summary>
    internal MlpComponents Column(int l) => _columns[l];

    /// <summary>Width of layer <paramref name="l"/>.</summary>
    internal int Width(int l) => _sizes[l];

    /// <summary>α after layer <paramref name="l"/>: [(T·S), (T·S)] row-major, row t·S + s′ = what task t's subspace s′ takes.</summary>
    public Parameter Alpha(int l) => _alpha[l];

    /// <summary>β [T, L] (row t: task t's weights of the layers), or null without layer mixing.</summary>
    public Parameter? Beta => _beta;

    /// <summary>The orthogonality penalty Σ over layers and tasks of Σ_{s&lt;s′} ‖W_sᵀ W_s′‖²_F, unweighted (zero with S = 1).</summary>
    public Tensor OrthogonalityPenalty()
    {
        Tensor? total = null;
        if (Subspaces > 1)
        {
            for (int l = 0; l < _columns.Length; l++)
            {
                var w = _columns[l].Weights[0].Value;   // [T, in, out]
                int fin = w.Shape[1], fout = w.Shape[2];
                for (int t = 0; t < Tasks; t++)
                {
                    var rows = Ops.Transpose(Ops.Reshape(Ops.Slice(w, 0, t, 1), fin, fout), 0, 1);   // [out, in]: the subspaces' rows
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
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        int n = x.Shape[0];
        Tensor h = x;   // [N, in], then [T, N, width]
        var layerOutputs = new Tensor[_columns.Length][];
        for (int l = 0; l < _columns.Length; l++)
        {
            var layer = _columns[l];
            var y = Ops.Relu(Ops.ComponentLinear(h, layer.Weights[0].Value, layer.Biases[0].Value));   // [T, N, width]
            h = SubspaceMixing.MixAll(y, _alpha[l].Value, Subspaces);   // every task's α unit at once
            var mixed = new Tensor[Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                mixed[t] = Ops.Reshape(Ops.Slice(h, 0, t, 1), n, _sizes[l]);
            }

            layerOutputs[l] = mixed;
        }

        if (gates is not null)
        {
            SluiceUnits.Record(gates, _alpha, _beta, Tasks, Subspaces);
        }

        return SluiceUnits.Towers(tasks, Tasks, (l, t) => layerOutputs[_beta is null ? ^1 : l][t], _beta is null ? 1 : Layers, _beta, _towers);
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => SluiceUnits.Statistics(Layers, Tasks, Subspaces, _beta is not null, Layers);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames) =>
        SluiceUnits.Matrices(statistics, taskNames, Layers, Subspaces, _beta is not null, "subspace", "s", l => "layer " + l.ToString(CultureInfo.InvariantCulture),
            Enumerable.Range(0, Layers).Select(l => "layer " + l.ToString(CultureInfo.InvariantCulture)).ToArray());

    /// <summary>λ times <see cref="OrthogonalityPenalty"/>, in training passes.</summary>
    private sealed class Orthogonality(SluiceNetwork network, float weight) : IRegularizer
    {
        public string Name => "orthogonality";

        public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context) =>
            context.Training ? Ops.Scale(network.OrthogonalityPenalty(), weight) : null;
    }
}
