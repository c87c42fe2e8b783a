using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Multi-gate mixture of experts (MMoE, Ma et al. 2018) and its one-gate form: E shared experts, MLPs of identical
/// shape <c>in → expertSizes…</c> (ReLU after every layer) evaluated as one batched op per depth; a softmax gate
/// computed from the input — one per task (<see cref="GateMode.PerTask"/>) or one for all (<see cref="GateMode.One"/>)
/// — weighs the experts' outputs (or, with <see cref="DSelectOptions"/>, a DSelect-k gate, Hazimeh et al. 2021:
/// <see cref="DSelectGate"/>); each task's tower (hidden layers <c>towerSizes</c>, linear + ReLU, then a linear
/// output layer) reads its mixture.
/// </summary>
/// <remarks>
/// Parameters: experts <c>experts.weight{l}</c> [E, in, out] Glorot-uniform per expert, biases zero (shared);
/// gate g <c>gate{g}.weight</c> [E, in] Glorot-uniform, bias zero (task g's with per-task gates, shared with one
/// gate); towers as <see cref="TaskHeads"/> (task-specific). Initialisation draws in that order, after the optional
/// input stage. With one expert every gate weight is exactly 1 and the network is a shared-bottom network.
/// </remarks>
public sealed class MixtureOfExperts : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly MlpComponents _experts;
    private readonly IExpertGate[] _gates;
    private readonly IRegularizer[] _regularizers;
    private readonly TaskHeads _towers;

    /// <summary>
    /// Creates the network for inputs of width <paramref name="inputWidth"/> (after <paramref name="input"/>, when
    /// given, e.g. an <see cref="EmbeddedInput"/>) and tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public MixtureOfExperts(int inputWidth, int experts, IReadOnlyList<int> expertSizes, GateMode gates, IReadOnlyList<int> towerSizes,
        IReadOnlyList<int> outputs, Rng rng, Module<Tensor, Tensor>? input = null, DSelectOptions? dselect = null)
    {
        ArgumentNullException.ThrowIfNull(expertSizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(experts, 1);
        if (expertSizes.Count == 0 || expertSizes.Any(s => s < 1))
        {
            throw new ArgumentException("Experts need at least one layer, every width positive.", nameof(expertSizes));
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
        Gates = gates;
        _experts = RegisterModule("experts", new MlpComponents(experts, [inputWidth, .. expertSizes], outputRelu: true, rng));
        int gateCount = gates == GateMode.PerTask ? Tasks : 1;
        _gates = new IExpertGate[gateCount];
        for (int g = 0; g < gateCount; g++)
        {
            var kind = gates == GateMode.PerTask ? ParameterKind.Task(g) : ParameterKind.Shared;
            _gates[g] = dselect is null
                ? RegisterModule($"gate{g}", new SoftmaxGate(inputWidth, experts, kind, rng))
                : RegisterModule($"gate{g}", new DSelectGate(inputWidth, experts, dselect, kind, rng));
        }

        _regularizers = dselect is null ? [] : [new DSelectRegularizer(_gates.Cast<DSelectGate>().ToArray(), dselect.Entropy)];

        _towers = RegisterModule("towers", new TaskHeads(expertSizes[^1], towerSizes, outputs, rng));
        GateKeys = ["gates"];
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Number of experts.</summary>
    public int ExpertCount => _experts.Count;

    /// <summary>Per-task gates or one gate.</summary>
    public GateMode Gates { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>The experts (for tests and exporters).</summary>
    internal MlpComponents Experts => _experts;

    /// <summary>The towers (for tests and exporters).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>The input stage (embedded categorical columns), or null (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <summary>The gate task <paramref name="task"/> uses (a softmax or a DSelect-k gate).</summary>
    internal IExpertGate GateOf(int task) => _gates[Gates == GateMode.PerTask ? task : 0];

    /// <summary>Whether the gates are DSelect-k gates.</summary>
    public bool DSelect => _gates[0] is DSelectGate;

    /// <inheritdoc/>
    public override IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        var h = ExpertMix.Experts(_experts, x);   // [E, N, out]
        var outputs = new Tensor[tasks.Length];
        Tensor? shared = null, sharedWeights = null;   // the one gate's weights and mixture, computed once
        for (int i = 0; i < tasks.Length; i++)
        {
            int t = tasks[i];
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
            Tensor mixed;
            if (Gates == GateMode.One && shared is not null)
            {
                mixed = shared;
                gates?.Add(0, t, 0, sharedWeights!);
            }
            else
            {
                var w = GateOf(t).Forward(x, training: gates is not null);   // statistics are collected on training passes
                gates?.Add(0, t, 0, w);
                mixed = ExpertMix.Mix(h, w);
                if (Gates == GateMode.One)
                {
                    shared = mixed;
                    sharedWeights = w;
                }
            }

            outputs[i] = _towers.Forward(mixed, t);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() => new([(Tasks, ExpertCount)]);

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        string name = Gates == GateMode.PerTask ? "gate weights (task gate × expert)" : "gate weights (the one gate on each task's rows × expert)";
        return [new NamedMatrix(name, [.. taskNames], Enumerable.Range(0, ExpertCount).Select(e => $"e{e}").ToArray(), statistics.Mean(0))];
    }
}
