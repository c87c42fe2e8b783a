using MtlSharp.MultiTask.Models;

namespace MtlSharp.MultiTask.Evaluation;

/// <summary>Computes every task's metric (<see cref="MtlSharp.Data.Tasks.TaskInfo.Metric"/>) on a held-out split.</summary>
public interface IEvaluator
{
    /// <summary>Whether a validation split exists (otherwise model selection and early stopping are off).</summary>
    bool HasValidation { get; }

    /// <summary>The split's name in logs and curves ("valid", "dev", "test").</summary>
    string SplitName(EvaluationSplit split);

    /// <summary>One metric value per task on <paramref name="split"/> (NaN where a task has no labelled example).</summary>
    double[] Evaluate(IMultiTaskModel model, EvaluationSplit split);
}
