using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Distillation;

/// <summary>
/// Knowledge distillation from single-task teachers into one multi-task student (Hinton et al. 2015), as a part of
/// the one training loop (<see cref="Training.TrainerOptions.Distillation"/>): each task's loss in a step becomes
/// (1 − λ)·hard + λ·T²·KL(softmax(teacher/T) ‖ softmax(student/T)), with the teacher run on the step's own rows.
/// Weightings and aggregators then see this combined loss as the task's loss.
/// <para>
/// Missing labels: the soft term covers every row of the part, labelled for the task or not (the teacher labels them
/// — the semi-supervised use of soft targets); the hard term, as always, only the labelled rows. A part with no
/// labelled row therefore still has a loss, λ·soft. For tagging the soft term is summed over the real tokens of each
/// sentence (the padding of the batch excluded) and averaged over sentences, like the hard loss; multi-label tasks use
/// the Bernoulli KL per label; regression tasks the squared distance to the teacher's prediction (no temperature).
/// </para>
/// <para>
/// λ = 0 returns the hard loss itself and never runs the teacher: the run is exactly the plain multi-task run.
/// Step probes (gradient statistics, TAG's lookahead) measure the combined losses' gradients but the lookahead's hard
/// losses; distillation runs in one process (not under data parallelism).
/// </para>
/// </summary>
public sealed class Distiller
{
    private readonly TaskInfo[] _tasks;
    private readonly ITeacher?[] _teachers;
    private readonly SoftTargetSettings[] _settings;

    /// <summary>
    /// Distils <paramref name="teachers"/> (one per task, in the student's task order; null: that task trains on its
    /// labels alone) with <paramref name="settings"/> per task.
    /// </summary>
    public Distiller(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<ITeacher?> teachers, IReadOnlyList<SoftTargetSettings> settings)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(teachers);
        ArgumentNullException.ThrowIfNull(settings);
        if (teachers.Count != tasks.Count || settings.Count != tasks.Count)
        {
            throw new ArgumentException($"{teachers.Count} teachers and {settings.Count} settings for {tasks.Count} tasks.");
        }

        for (int t = 0; t < tasks.Count; t++)
        {
            settings[t].Validate(tasks[t].Name);
        }

        _tasks = [.. tasks];
        _teachers = [.. teachers];
        _settings = [.. settings];
    }

    /// <summary>The tasks, in the student's order.</summary>
    public IReadOnlyList<TaskInfo> Tasks => _tasks;

    /// <summary>λ and T of each task.</summary>
    public IReadOnlyList<SoftTargetSettings> Settings => _settings;

    /// <summary>Each task's teacher (null: none).</summary>
    public IReadOnlyList<ITeacher?> Teachers => _teachers;

    /// <summary>
    /// The task loss of <paramref name="part"/> for the student's <paramref name="output"/>, given its hard loss
    /// <paramref name="hard"/> (<see cref="Objectives.TaskLoss.Compute"/>; null without labelled rows): the hard loss
    /// itself where the task has no teacher or λ = 0, else (1 − λ)·hard + λ·soft with the hard loss's observation count
    /// (for tagging without labelled tokens, the part's tokens per sentence).
    /// </summary>
    public (Tensor Loss, float Observations)? Combine(TaskBatch part, Tensor output, (Tensor Loss, float Observations)? hard)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(output);
        if ((uint)part.Task >= (uint)_tasks.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(part), part.Task, $"The student has {_tasks.Length} tasks.");
        }

        var settings = _settings[part.Task];
        if (_teachers[part.Task] is not { } teacher || settings.Alpha == 0f)
        {
            return hard;
        }

        var task = _tasks[part.Task];
        var target = teacher.Outputs(part);
        if (target.Length != output.Length)
        {
            throw new InvalidOperationException($"Task '{task.Name}': the teacher gives {target.Shape} outputs for the student's {output.Shape}.");
        }

        Tensor? soft;
        float observations = 1f;
        if (task.Kind == TaskKind.SequenceTagging)
        {
            // Real tokens only: the padding positions of the batch have no word to distil.
            ReadOnlySpan<float> tokens = part.Input is SentenceInput s && s.Value.Mask.Length == output.Shape[0] ? s.Value.Mask : default;
            soft = SoftTargets.Categorical(output, target.Span, settings.Temperature, tokens);
            float count = tokens.IsEmpty ? output.Shape[0] : FixedOrder.Sum(tokens);
            observations = count / Math.Max(1, part.Targets.Sequences);
            if (soft is not null)
            {
                soft = Ops.Scale(soft, observations);   // Σ over a sentence's tokens, mean over sentences (spec B5)
            }
        }
        else
        {
            soft = SoftTargets.ForTask(task.Kind, output, target.Span, settings.Temperature);
        }

        if (soft is null)
        {
            return hard;
        }

        if (hard is not { } h)
        {
            return (Ops.Scale(soft, settings.Alpha), observations);
        }

        return (Ops.Add(Ops.Scale(h.Loss, 1f - settings.Alpha), Ops.Scale(soft, settings.Alpha)), h.Observations);
    }
}
