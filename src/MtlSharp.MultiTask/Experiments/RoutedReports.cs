using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>The report of a routed run: results, learned allocation, task embeddings and clusters, curves.</summary>
public static class RoutedReports
{
    /// <summary>Assembles the report.</summary>
    public static RunReport Build(string preset, string method, int seed, RoutedNetwork network, TrainingOutcome outcome,
        LossCurveCallback losses, MetricCurveCallback metrics, AllocationHistoryCallback history)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(history);
        var allocations = network.Allocations();
        int[][] embeddings = TaskEmbeddings.Embed(allocations);
        string[] names = outcome.Tasks.Select(t => t.Name).ToArray();
        return new RunReport
        {
            Preset = preset,
            Method = method,
            Seed = seed,
            Tasks = outcome.Tasks,
            MeanTest = outcome.Tasks.Average(t => t.Test),
            Allocation = allocations,
            AllocationProbabilities = network.Probabilities(),
            // A network without task allocations (per-example mixture-of-experts routing only) has no active fraction.
            ActiveFraction = allocations.Count == 0 ? null : TaskEmbeddings.ActiveFraction(allocations),
            Clusters = TaskEmbeddings.Clusters(embeddings).Select(g => (IReadOnlyList<string>)g.Select(i => names[i]).ToArray()).ToArray(),
            TaskSimilarity = TaskEmbeddings.CosineSimilarity(embeddings),
            TrainSeconds = outcome.TrainSeconds,
            UpdatesPerSecond = outcome.TrainSeconds > 0 ? outcome.Updates / outcome.TrainSeconds : 0,
            Updates = outcome.Updates,
            LossCurves = losses.Curves(),
            MetricCurves = metrics.Curves(),
            AllocationHistory = history.Histories(),
        };
    }
}
