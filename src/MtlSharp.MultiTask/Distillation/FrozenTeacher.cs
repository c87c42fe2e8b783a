using MtlSharp.MultiTask.Models;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Distillation;

/// <summary>
/// A trained multi-task model used as the teacher of one of its tasks: evaluation mode (no dropout, no sampling, the
/// maximum-likelihood allocation of routed models), no gradients recorded, and its parameters in no optimizer, so
/// nothing of it changes while the student trains. The student's part is forwarded under the teacher's own index of
/// the task (the same task may have another index in the teacher).
/// </summary>
public sealed class FrozenTeacher : ITeacher
{
    private readonly IMultiTaskModel _model;
    private readonly int _task;

    /// <summary>Freezes <paramref name="model"/> (puts it in evaluation mode) as the teacher of its task <paramref name="task"/>.</summary>
    public FrozenTeacher(IMultiTaskModel model, int task)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(task, model.TaskCount);
        _task = task;
        model.Module.Eval();
    }

    /// <summary>The teacher model.</summary>
    public IMultiTaskModel Model => _model;

    /// <summary>The task's index in the teacher.</summary>
    public int Task => _task;

    /// <inheritdoc/>
    public Tensor Outputs(TaskBatch part)
    {
        ArgumentNullException.ThrowIfNull(part);
        _model.Module.Eval();   // whoever else holds the model may have switched it back to training mode
        using var noGrad = Autograd.NoGrad();
        var batch = new MultiTaskBatch([part with { Task = _task }]);

        // Evaluation mode draws nothing; the stream is the teacher's own, so the student's noise is untouched.
        return _model.Forward(batch, new ForwardContext(0, false, new Rng(0x7EAC_4E25UL), 1f))[0];
    }
}
