using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Models.Experts;

/// <summary>
/// Progressive layered extraction (PLE, Tang et al. 2020); one level is customized gate control (CGC). Every level
/// has S shared experts and K experts per task, MLPs of identical shape <c>in → expertSizes…</c> (ReLU after every
/// layer). Task t's gate, computed from task t's representation, weighs its own K experts and the S shared ones; at
/// inner levels a shared gate, computed from the shared representation, weighs all experts of the level (every
/// task's and the shared ones) into the next level's shared representation. At the first level every representation
/// is the input. Each task's tower (hidden layers <c>towerSizes</c>, linear + ReLU, then a linear output layer)
/// reads its last-level mixture.
/// </summary>
/// <remarks>
/// Expert outputs are ordered shared experts first, then the task's own, in every gate; the gate matrices list the
/// columns as shared experts, then task 0's experts, task 1's… Parameters: level k's shared experts
/// <c>level{k}.shared.weight{l}</c> (shared), task t's experts <c>level{k}.task{t}.weight{l}</c> and gate
/// <c>level{k}.gate{t}</c> (task t's), the shared gate <c>level{k}.sharedGate</c> (shared, inner levels only), then
/// the towers. Initialisation draws level by level in that order (experts: shared, then per task; gates: per task,
/// then shared), then the towers.
/// </remarks>
public sealed class ProgressiveLayeredExtraction : ExpertNetwork
{
    private readonly Module<Tensor, Tensor>? _input;
    private readonly MlpComponents[] _shared;
    private readonly MlpComponents[][] _own;
    private readonly SoftmaxGate[][] _taskGates;
    private readonly SoftmaxGate?[] _sharedGates;
    private readonly TaskHeads _towers;

    /// <summary>
    /// Creates <paramref name="levels"/> levels of <paramref name="sharedExperts"/> shared and
    /// <paramref name="taskExperts"/> per-task experts for inputs of width <paramref name="inputWidth"/> (after
    /// <paramref name="input"/>, when given) and tasks with output widths <paramref name="outputs"/>.
    /// </summary>
    public ProgressiveLayeredExtraction(int inputWidth, int levels, int sharedExperts, int taskExperts, IReadOnlyList<int> expertSizes,
        IReadOnlyList<int> towerSizes, IReadOnlyList<int> outputs, Rng rng, Module<Tensor, Tensor>? input = null)
    {
        ArgumentNullException.ThrowIfNull(expertSizes);
        ArgumentNullException.ThrowIfNull(towerSizes);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sharedExperts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskExperts, 1);
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
        Levels = levels;
        SharedExperts = sharedExperts;
        TaskExperts = taskExperts;
        _shared = new MlpComponents[levels];
        _own = new MlpComponents[levels][];
        _taskGates = new SoftmaxGate[levels][];
        _sharedGates = new SoftmaxGate?[levels];
        int width = inputWidth;
        for (int k = 0; k < levels; k++)
        {
            var level = RegisterModule($"level{k}", new LevelModule());
            _shared[k] = level.Add("shared", new MlpComponents(sharedExperts, [width, .. expertSizes], outputRelu: true, rng));
            _own[k] = new MlpComponents[Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                _own[k][t] = level.Add($"task{t}", new MlpComponents(taskExperts, [width, .. expertSizes], outputRelu: true, rng));
                _own[k][t].SetKind(ParameterKind.Task(t));
            }

            _taskGates[k] = new SoftmaxGate[Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                _taskGates[k][t] = level.Add($"gate{t}", new SoftmaxGate(width, taskExperts + sharedExperts, ParameterKind.Task(t), rng));
            }

            if (k < levels - 1)
            {
                _sharedGates[k] = level.Add("sharedGate", new SoftmaxGate(width, (Tasks * taskExperts) + sharedExperts, ParameterKind.Shared, rng));
            }

            width = expertSizes[^1];
        }

        _towers = RegisterModule("towers", new TaskHeads(width, towerSizes, outputs, rng));
        GateKeys = Enumerable.Range(0, levels).Select(k => $"gates/level{k}").ToArray();
    }

    /// <inheritdoc/>
    public override int Tasks { get; }

    /// <summary>Number of levels (1: CGC).</summary>
    public int Levels { get; }

    /// <summary>Shared experts per level.</summary>
    public int SharedExperts { get; }

    /// <summary>Experts per task and level.</summary>
    public int TaskExperts { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> GateKeys { get; }

    /// <summary>Level <paramref name="level"/>'s shared experts (for tests).</summary>
    internal MlpComponents SharedExpertsOf(int level) => _shared[level];

    /// <summary>Level <paramref name="level"/>'s experts of task <paramref name="task"/> (for tests).</summary>
    internal MlpComponents TaskExpertsOf(int level, int task) => _own[level][task];

    /// <summary>Level <paramref name="level"/>'s gate of task <paramref name="task"/> (for tests).</summary>
    internal SoftmaxGate TaskGate(int level, int task) => _taskGates[level][task];

    /// <summary>The towers (for tests).</summary>
    internal TaskHeads Towers => _towers;

    /// <summary>Level <paramref name="level"/>'s shared gate (null at the last level; for exporters).</summary>
    internal SoftmaxGate? SharedGate(int level) => _sharedGates[level];

    /// <summary>The input stage (embedded categorical columns), or null (for exporters).</summary>
    internal Module<Tensor, Tensor>? InputStage => _input;

    /// <inheritdoc/>
    public override IReadOnlyList<Tensor> Forward(Tensor x, ReadOnlySpan<int> tasks, GateStatistics? gates = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        foreach (int t in tasks)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(t);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(t, Tasks);
        }

        x = ExpertMix.Flat(_input is null ? x : _input.Forward(x));
        int s = SharedExperts, kk = TaskExperts;
        Tensor shared = x;
        var reps = new Tensor?[Tasks];
        Array.Fill(reps, x);
        Span<int> taskColumns = stackalloc int[s + kk];
        Span<int> allColumns = (Tasks * kk) + s <= 512 ? stackalloc int[(Tasks * kk) + s] : new int[(Tasks * kk) + s];
        for (int j = 0; j < allColumns.Length; j++)
        {
            allColumns[j] = j;
        }

        for (int k = 0; k < Levels; k++)
        {
            bool last = k == Levels - 1;
            var hs = ExpertMix.Experts(_shared[k], shared);   // [S, N, out]
            var own = new Tensor?[Tasks];
            var next = new Tensor?[Tasks];
            for (int t = 0; t < Tasks; t++)
            {
                // The last level needs only the asked tasks; inner ones every task (the shared gate mixes them all).
                if (last && !tasks.Contains(t))
                {
                    continue;
                }

                own[t] = ExpertMix.Experts(_own[k][t], reps[t]!);   // [K, N, out]
                var w = _taskGates[k][t].Forward(reps[t]!);         // [N, S + K]
                if (gates is not null)
                {
                    for (int j = 0; j < s; j++)
                    {
                        taskColumns[j] = j;
                    }

                    for (int j = 0; j < kk; j++)
                    {
                        taskColumns[s + j] = s + (t * kk) + j;
                    }

                    gates.Add(k, t, taskColumns, w);
                }

                next[t] = ExpertMix.Mix(Ops.Concat([hs, own[t]!], 0), w);
            }

            if (!last)
            {
                var candidates = new Tensor[Tasks + 1];
                candidates[0] = hs;
                for (int t = 0; t < Tasks; t++)
                {
                    candidates[t + 1] = own[t]!;
                }

                var w = _sharedGates[k]!.Forward(shared);
                gates?.Add(k, Tasks, allColumns, w);
                shared = ExpertMix.Mix(Ops.Concat(candidates, 0), w);
            }

            reps = next;
        }

        var outputs = new Tensor[tasks.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            outputs[i] = _towers.Forward(reps[tasks[i]]!, tasks[i]);
        }

        return outputs;
    }

    /// <inheritdoc/>
    public override GateStatistics CreateGateStatistics() =>
        new(Enumerable.Range(0, Levels).Select(k => (Tasks + (k < Levels - 1 ? 1 : 0), SharedExperts + (Tasks * TaskExperts))).ToArray());

    /// <inheritdoc/>
    public override IReadOnlyList<NamedMatrix> GateMatrices(GateStatistics statistics, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(taskNames);
        var columns = Enumerable.Range(0, SharedExperts).Select(e => $"shared{e}")
            .Concat(taskNames.SelectMany(n => Enumerable.Range(0, TaskExperts).Select(e => $"{n}.{e}"))).ToArray();
        var list = new List<NamedMatrix>();
        for (int k = 0; k < Levels; k++)
        {
            string[] rows = k < Levels - 1 ? [.. taskNames, "shared gate"] : [.. taskNames];
            list.Add(new NamedMatrix($"gate weights, level {k + 1} (gate × expert)", rows, columns, statistics.Mean(k)));
        }

        return list;
    }

    /// <summary>A container naming one level's experts and gates.</summary>
    private sealed class LevelModule : Module
    {
        public T Add<T>(string name, T module)
            where T : Module => RegisterModule(name, module);
    }
}
