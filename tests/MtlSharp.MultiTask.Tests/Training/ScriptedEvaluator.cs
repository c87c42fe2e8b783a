using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Models;

namespace MtlSharp.MultiTask.Tests.Training;

/// <summary>A validation split whose scores follow a script (every task gets the same value); test goes to the real evaluator.</summary>
internal sealed class ScriptedEvaluator(IEvaluator real, double[] scores) : IEvaluator
{
    public int Calls { get; private set; }

    public bool HasValidation => true;

    public string SplitName(EvaluationSplit split) => split == EvaluationSplit.Validation ? "valid" : "test";

    public double[] Evaluate(IMultiTaskModel model, EvaluationSplit split)
    {
        if (split == EvaluationSplit.Test)
        {
            return real.Evaluate(model, split);
        }

        // Regression tasks are scored by −MSE; give a "metric" whose score is the scripted value.
        double s = scores[Math.Min(Calls, scores.Length - 1)];
        Calls++;
        return Enumerable.Repeat(-s, model.TaskCount).ToArray();
    }
}
