using System.Globalization;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Routing;
using MtlSharp.MultiTask.Training;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>Trains one built experiment and turns the outcome into a <see cref="RunReport"/> written to disk.</summary>
public static class ExperimentRunner
{
    /// <summary>Stable command-line name of a preset.</summary>
    public static string Name(PresetId preset) => preset switch
    {
        PresetId.SyntheticTransfer => "synthetic-transfer",
        PresetId.SyntheticGumbel => "synthetic-gumbel",
        PresetId.Mnist4 => "mnist4",
        _ => throw new ArgumentOutOfRangeException(nameof(preset)),
    };

    /// <summary>Stable command-line name of a method.</summary>
    public static string Name(RoutingMethod method) => method switch
    {
        RoutingMethod.NoSharing => "no-sharing",
        RoutingMethod.SharedBottom => "shared-bottom",
        RoutingMethod.Gumbel => "gumbel",
        RoutingMethod.GumbelBudget => "gumbel-budget",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// Trains <paramref name="setup"/>, then writes <c>report.json</c> and <c>report.html</c> into
    /// <paramref name="outputDirectory"/> (when given) and returns the report.
    /// </summary>
    public static RunReport Run(ExperimentSetup setup, int seed, string? outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var outcome = new RoutedTrainer(setup.Model, setup.Tasks, setup.Options).Run(progress, cancellation);
        var report = BuildReport(setup, seed, outcome);
        if (outputDirectory is not null)
        {
            Directory.CreateDirectory(outputDirectory);
            RunReportJson.Save(report, Path.Combine(outputDirectory, "report.json"));
            HtmlReportWriter.Save(report, Path.Combine(outputDirectory, "report.html"));
        }

        return report;
    }

    /// <summary>Assembles the report: results, allocations, embeddings, clusters, curves, environment.</summary>
    public static RunReport BuildReport(ExperimentSetup setup, int seed, TrainingOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(outcome);
        var allocations = setup.Model.Allocations();
        int[][] embeddings = TaskEmbeddings.Embed(allocations);
        string[] names = setup.Tasks.Select(t => t.Name).ToArray();
        var ci = CultureInfo.InvariantCulture;
        var o = setup.Options;
        var env = new Dictionary<string, string>
        {
            ["threads"] = Threading.ThreadCount.ToString(ci),
            ["processors"] = Environment.ProcessorCount.ToString(ci),
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["rounds"] = o.Rounds.ToString(ci),
            ["batchSize"] = o.BatchSize.ToString(ci),
            ["modelLearningRate"] = o.ModelLearningRate.ToString(ci),
            ["routerLearningRate"] = o.RouterLearningRate.ToString(ci),
            ["budget"] = o.Budget?.ToString(ci) ?? "none",
            ["clipNorm"] = o.ClipNorm.ToString(ci),
            ["temperature"] = $"max({o.Temperature.Minimum.ToString(ci)}, {o.Temperature.Initial.ToString(ci)}/sqrt(n+1))",
            ["combine"] = setup.Model.RoutedLayers.Count > 0 ? setup.Model.RoutedLayers[0].Combine.ToString() : "n/a",
            ["parameters"] = setup.Model.ParameterCount().ToString(ci),
            ["cancelled"] = outcome.Cancelled ? "yes" : "no",
        };
        return new RunReport
        {
            Preset = Name(setup.Preset),
            Method = Name(setup.Method),
            Seed = seed,
            Tasks = outcome.Tasks,
            MeanTest = outcome.Tasks.Average(t => t.Test),
            Allocation = allocations,
            ActiveFraction = TaskEmbeddings.ActiveFraction(allocations),
            Clusters = TaskEmbeddings.Clusters(embeddings).Select(g => (IReadOnlyList<string>)g.Select(i => names[i]).ToArray()).ToArray(),
            TaskSimilarity = TaskEmbeddings.CosineSimilarity(embeddings),
            TrainSeconds = outcome.TrainSeconds,
            UpdatesPerSecond = outcome.TrainSeconds > 0 ? outcome.Updates / outcome.TrainSeconds : 0,
            Updates = outcome.Updates,
            LossCurves = outcome.LossCurves,
            MetricCurves = outcome.MetricCurves,
            AllocationHistory = outcome.AllocationHistory,
            Environment = env,
        };
    }
}
