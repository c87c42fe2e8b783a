using MtlSharp.MultiTask.Evaluation;

namespace MtlSharp.MultiTask.Training;

/// <summary>One periodic evaluation.</summary>
/// <param name="Step">Updates done.</param>
/// <param name="Split">Validation, or test when the run has no validation split.</param>
/// <param name="SplitName">The split's display name.</param>
/// <param name="Metrics">One value per task.</param>
/// <param name="Score">The selection score (larger is better).</param>
/// <param name="IsBest">Whether this is the best validation score so far (always false on test).</param>
public sealed record EvaluationResult(long Step, EvaluationSplit Split, string SplitName, double[] Metrics, double Score, bool IsBest);
