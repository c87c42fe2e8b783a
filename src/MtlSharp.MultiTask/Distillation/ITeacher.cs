using MtlSharp.MultiTask.Tasks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Distillation;

/// <summary>A fixed source of target outputs for one task of a student: a frozen, already trained model.</summary>
public interface ITeacher
{
    /// <summary>
    /// The teacher's outputs (logits for classification and tagging, predictions for regression) for the rows of
    /// <paramref name="part"/>, in the student's output shape; computed without recording gradients.
    /// </summary>
    Tensor Outputs(TaskBatch part);
}
