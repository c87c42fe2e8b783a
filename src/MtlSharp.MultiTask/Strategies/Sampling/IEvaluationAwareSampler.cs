using MtlSharp.Data.Tasks;

namespace MtlSharp.MultiTask.Strategies.Sampling;

/// <summary>A sampler that adapts to validation results: the loop tells it every validation evaluation.</summary>
public interface IEvaluationAwareSampler : ITaskSampler
{
    /// <summary>Called after each validation evaluation at update <paramref name="step"/> with every task's metric.</summary>
    void OnValidation(IReadOnlyList<TaskInfo> tasks, IReadOnlyList<double> metrics, long step);

    /// <summary>The probabilities chosen at each validation so far: (update, per-task probability).</summary>
    IReadOnlyList<(long Step, double[] Probabilities)> History { get; }
}
