using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.NN;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Distillation;

/// <summary>
/// Distral for supervised tasks (Teh et al. 2017, "Distral: Robust multitask reinforcement learning", adapted): task
/// models p_i and a shared model p_0 trained jointly in one run. The objective adds, for each task i in the step,
/// <c>β · KL(p_i ‖ sg(p_0)) + KL(sg(p_i) ‖ p_0)</c> (sg: stop-gradient; means over the part's rows) to the task models'
/// own losses:
/// <list type="bullet">
/// <item>the first term regularises each task model towards the shared one (Distral's KL(π_i ‖ π_0) as it acts on
/// π_i), with weight β;</item>
/// <item>the second distils the task models into the shared model (the same KL as it acts on π_0 — the teacher's
/// distribution first, as in distillation), with weight 1: the shared model learns from this term alone.</item>
/// </list>
/// The evaluated outputs are the task models'.
/// <para>
/// Adaptation from the paper: Distral's policies π(a|s) become the models' class distributions p(y|x) and its expected
/// return becomes the (negative) supervised loss, so the task models minimise CE_i + β·KL(p_i ‖ p_0). Distral weights
/// both gradients of KL(π_i ‖ π_0) by the same c_KL; here the shared model's gradient has weight 1 so that its
/// learning rate does not shrink with β (with β = 1 the gradients are exactly those of the one joint term). The
/// entropy bonus (Distral's c_Ent, the α of its "KL+ent" variants) is left out: the supervised loss already keeps
/// the task models from collapsing, so α = 1 (pure KL regularisation). The shared model p_0 is a multi-task network
/// with a head per task (π_0 in the paper is one policy over a common action space; supervised tasks have their own
/// label spaces). Classification and tagging tasks use the categorical KL (tagging per real token), regression the
/// squared distance between the two predictions; multi-label tasks are not supported.
/// </para>
/// </summary>
public sealed class DistralModel : IMultiTaskModel
{
    private readonly TaskInfo[] _tasks;
    private readonly IRegularizer[] _regularizers;
    private readonly double[] _kl;
    private MultiTaskBatch? _lastBatch;
    private IReadOnlyList<Tensor>? _lastTask;
    private IReadOnlyList<Tensor>? _lastShared;

    /// <summary>
    /// Couples <paramref name="taskModels"/> (the evaluated model, e.g. one network per task) and
    /// <paramref name="shared"/> (a multi-task network over the same tasks) with weight <paramref name="beta"/> ≥ 0.
    /// </summary>
    public DistralModel(IMultiTaskModel taskModels, IMultiTaskModel shared, IReadOnlyList<TaskInfo> tasks, float beta)
    {
        TaskModels = taskModels ?? throw new ArgumentNullException(nameof(taskModels));
        Shared = shared ?? throw new ArgumentNullException(nameof(shared));
        ArgumentNullException.ThrowIfNull(tasks);
        if (taskModels.TaskCount != tasks.Count || shared.TaskCount != tasks.Count)
        {
            throw new ArgumentException($"Distral: the task models have {taskModels.TaskCount} tasks and the shared model {shared.TaskCount}, for {tasks.Count} tasks.");
        }

        if (!(beta >= 0) || !float.IsFinite(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "Distral's β must be a finite number ≥ 0.");
        }

        if (tasks.FirstOrDefault(t => t.Kind == TaskKind.MultiLabel) is { } multi)
        {
            throw new ArgumentException($"Distral: task '{multi.Name}' is multi-label; Distral here supports classification, tagging and regression tasks.");
        }

        _tasks = [.. tasks];
        Beta = beta;
        _kl = new double[tasks.Count];
        Array.Fill(_kl, double.NaN);
        Module = new Pair(taskModels.Module, shared.Module);
        _regularizers = [.. taskModels.Regularizers, .. shared.Regularizers, new KlTerm(this)];
    }

    /// <summary>The task models (whose outputs are the predictions).</summary>
    public IMultiTaskModel TaskModels { get; }

    /// <summary>The shared (distilled) model.</summary>
    public IMultiTaskModel Shared { get; }

    /// <summary>β, the weight of the pull of the task models towards the shared model.</summary>
    public float Beta { get; }

    /// <summary>The last training step's KL(p_i ‖ p_0) per task (NaN before a task's first step).</summary>
    public IReadOnlyList<double> LastKl => _kl;

    /// <inheritdoc/>
    public Module Module { get; }

    /// <inheritdoc/>
    public int TaskCount => _tasks.Length;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> SharedParameters => TaskModels.SharedParameters;

    /// <inheritdoc/>
    public Tensor? SharedRepresentation => TaskModels.SharedRepresentation;

    /// <inheritdoc/>
    public IReadOnlyList<IRegularizer> Regularizers => _regularizers;

    /// <inheritdoc/>
    public IReadOnlyList<Tensor> Forward(MultiTaskBatch batch, in ForwardContext context)
    {
        var outputs = TaskModels.Forward(batch, context);
        if (context.Training)
        {
            _lastShared = Shared.Forward(batch, context);
            _lastTask = outputs;
            _lastBatch = batch;
        }

        return outputs;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, double Value)> SharingScalars() =>
        [.. TaskModels.SharingScalars(), .. _tasks.Select((t, i) => ($"distral/kl/{t.Name}", _kl[i])).Where(s => !double.IsNaN(s.Item2))];

    /// <summary>The Distral terms of the last training forward pass over <paramref name="batch"/>.</summary>
    private Tensor? Compute(MultiTaskBatch batch)
    {
        if (!ReferenceEquals(batch, _lastBatch) || _lastTask is not { } task || _lastShared is not { } shared)
        {
            return null;
        }

        Tensor? total = null;
        for (int i = 0; i < batch.Parts.Count; i++)
        {
            var part = batch.Parts[i];
            var info = _tasks[part.Task];
            Tensor pi = task[i], p0 = shared[i];
            Tensor? pull, distil;
            if (info.Kind == TaskKind.Regression)
            {
                pull = SoftTargets.Squared(pi, p0.Span);
                distil = SoftTargets.Squared(p0, pi.Span);
            }
            else
            {
                ReadOnlySpan<float> rows = part.Input is SentenceInput s && s.Value.Mask.Length == pi.Shape[0] ? s.Value.Mask : default;
                pull = SoftTargets.ToFixed(pi, p0.Span, rows);
                distil = SoftTargets.Categorical(p0, pi.Span, 1f, rows);
            }

            if (pull is null || distil is null)
            {
                continue;
            }

            _kl[part.Task] = pull.Span[0];
            var term = Ops.Add(Ops.Scale(pull, Beta), distil);
            total = total is null ? term : Ops.Add(total, term);
        }

        return total;
    }

    /// <summary>The module holding both models (checkpoints, optimizers, train/eval mode).</summary>
    private sealed class Pair : Module
    {
        public Pair(Module tasks, Module shared)
        {
            RegisterModule("tasks", tasks);
            RegisterModule("shared", shared);
        }
    }

    /// <summary>Distral's KL terms as a regulariser of the loop.</summary>
    private sealed class KlTerm(DistralModel model) : IRegularizer
    {
        public string Name => "distral";

        public Tensor? Compute(MultiTaskBatch batch, in ForwardContext context) => context.Training ? model.Compute(batch) : null;
    }
}
