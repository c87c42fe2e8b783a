using MtlSharp.MultiTask.Models.Experts;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.Tensors.Autodiff;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// The report of an expert-mixture run (MMoE, one-gate mixture, CGC, PLE): results, curves, and the mean gate weights
/// over the test rows as matrices (gates × experts; one matrix per level of gates).
/// </summary>
public static class ExpertReports
{
    /// <summary>Assembles the report.</summary>
    public static RunReport Build(string preset, string method, int seed, ExpertModel model, IReadOnlyList<TaskData> tasks, TrainingOutcome outcome,
        LossCurveCallback losses, MetricCurveCallback metrics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(metrics);
        return new RunReport
        {
            Preset = preset,
            Method = method,
            Seed = seed,
            Tasks = outcome.Tasks,
            MeanTest = outcome.Tasks.Average(t => t.Test),
            TrainSeconds = outcome.TrainSeconds,
            UpdatesPerSecond = outcome.TrainSeconds > 0 ? outcome.Updates / outcome.TrainSeconds : 0,
            Updates = outcome.Updates,
            LossCurves = losses.Curves(),
            MetricCurves = metrics.Curves(),
            Matrices = TestGateMatrices(model, tasks),
        };
    }

    /// <summary>
    /// The mean gate weights of <paramref name="model"/> in evaluation mode: each task's gates over that task's test
    /// rows (a shared gate over every task's test rows).
    /// </summary>
    public static IReadOnlyList<NamedMatrix> TestGateMatrices(ExpertModel model, IReadOnlyList<TaskData> tasks, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var network = model.Network;
        var stats = network.CreateGateStatistics();
        bool wasTraining = network.IsTraining;
        network.Eval();
        try
        {
            using var ng = Autograd.NoGrad();
            for (int t = 0; t < tasks.Count; t++)
            {
                var split = tasks[t].Test;
                for (int start = 0; start < split.Count; start += batchSize)
                {
                    int n = Math.Min(batchSize, split.Count - start);
                    network.Forward(split.InputsRange(start, n), [t], stats);
                }
            }
        }
        finally
        {
            network.Train(wasTraining);
        }

        return model.GateMatrices(stats);
    }
}
