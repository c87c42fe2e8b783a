using System.Globalization;
using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Reporting;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Evaluation;
using MtlSharp.MultiTask.Strategies.Weighting;
using MtlSharp.MultiTask.Training;
using MtlSharp.MultiTask.Training.Callbacks;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// Turns a tagging run into a <see cref="RunReport"/>: per-task in-domain results, the main task's test accuracy
/// on every genre (tasks named <c>DEPREL@genre</c>), α per layer, β and the loss weights as
/// <see cref="NamedMatrix"/> pictures, curves per epoch, and the resolved configuration.
/// </summary>
public static class TaggingReports
{
    /// <summary>Environment key of the training genre.</summary>
    public const string TrainGenreKey = "trainGenre";

    /// <summary>Assembles the report.</summary>
    public static RunReport Build(
        string preset, TaggingMethod method, TaggingSettings settings, TaggerConfig config, string[] taskNames,
        SequenceTagger model, ILossWeighting weighting, TrainingOutcome outcome, long stepsPerEpoch, long tokens,
        LossCurveCallback losses, MetricCurveCallback metrics, IReadOnlyDictionary<string, double[]> tests)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weighting);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(tests);
        var ci = CultureInfo.InvariantCulture;
        string genre = settings.TrainGenre;
        var results = new List<TaskResult>();
        for (int m = 0; m < taskNames.Length; m++)
        {
            results.Add(new TaskResult(taskNames[m], "accuracy", tests[genre][m], outcome.Tasks[m].Valid));
        }

        // Out-of-domain: the mean over the other genres (trained on all of EWT: the mean over every genre).
        double ood = 0;
        int others = 0;
        foreach (string g in UdEnglishEwt.Genres)
        {
            results.Add(new TaskResult($"{taskNames[0]}@{g}", "accuracy", tests[g][0]));
            if (g != genre)
            {
                ood += tests[g][0];
                others++;
            }
        }

        ood /= others;
        if (!UdEnglishEwt.Genres.Contains(genre))
        {
            results.Add(new TaskResult($"{taskNames[0]}@{genre}", "accuracy", tests[genre][0]));
        }

        long epochs = (outcome.Updates + stepsPerEpoch - 1) / stepsPerEpoch;
        long bestEpoch = outcome.SelectedStep / stepsPerEpoch;
        double tokensPerSecond = outcome.TrainSeconds > 0 ? tokens / outcome.TrainSeconds : 0;
        var env = new Dictionary<string, string>
        {
            [TrainGenreKey] = genre,
            ["inDomainTest"] = tests[genre][0].ToString("R", ci),
            ["outOfDomainTest"] = ood.ToString("R", ci),
            ["bestEpoch"] = bestEpoch.ToString(ci),
            ["epochs"] = epochs.ToString(ci),
            ["tokensPerSecond"] = tokensPerSecond.ToString("F0", ci),
            ["perTaskNetworks"] = config.PerTaskNetworks ? "yes" : "no",
            ["subspaces"] = config.Subspaces.ToString(ci),
            ["alphaInit"] = config.AlphaInit.ToString(),
            ["alphaLearned"] = config.AlphaLearned ? "yes" : "no",
            ["connection"] = config.Connection.ToString(),
            ["betaInit"] = config.BetaInit.ToString(),
            ["orthogonalityWeight"] = config.OrthogonalityWeight.ToString(ci),
            ["predictionLayers"] = config.PredictionLayers is { } pl ? string.Join(",", pl) : "last",
            ["inputNoise"] = config.InputNoise.ToString(ci),
            ["weighting"] = weighting.Name,
            ["parameters"] = model.ParameterCount().ToString(ci),
        };
        return new RunReport
        {
            Preset = preset,
            Method = TaggingExperiments.Name(method),
            Seed = settings.Seed,
            Tasks = results,
            MeanTest = tests[genre][0],
            TrainSeconds = outcome.TrainSeconds,
            UpdatesPerSecond = outcome.TrainSeconds > 0 ? outcome.Updates / outcome.TrainSeconds : 0,
            Updates = outcome.Updates,
            LossCurves = losses.Curves(),
            MetricCurves = metrics.Curves(),
            Matrices = Matrices(model, weighting, taskNames),
            Environment = env,
        };
    }

    /// <summary>α per layer ([(M·S) × (M·S)], rows = receiving subspace), β [M × K] and the loss weights [1 × M].</summary>
    public static IReadOnlyList<NamedMatrix> Matrices(SequenceTagger model, ILossWeighting weighting, string[] taskNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weighting);
        ArgumentNullException.ThrowIfNull(taskNames);
        var list = new List<NamedMatrix>();
        int s = model.Config.Subspaces;
        string[] subspaceLabels = taskNames.SelectMany(t => Enumerable.Range(1, s).Select(i => s == 1 ? t : $"{t}.{i}")).ToArray();
        for (int l = 0; l < model.Alpha.Count; l++)
        {
            list.Add(new NamedMatrix($"alpha layer {l + 1}{(model.Config.AlphaLearned ? "" : " (constant)")}", subspaceLabels, subspaceLabels, Rows(model.Alpha[l])));
        }

        if (model.Beta is { } beta)
        {
            string[] layers = Enumerable.Range(1, beta.Shape[1]).Select(k => $"layer {k}").ToArray();
            list.Add(new NamedMatrix(model.Config.Connection == Models.Sluice.LayerConnection.Stitch ? "beta" : "beta (skip, constant)", taskNames, layers, Rows(beta)));
        }

        list.Add(new NamedMatrix($"loss weights ({weighting.Name})", ["weight"], taskNames, [weighting.Weights()]));
        return list;
    }

    private static double[][] Rows(Tensor t)
    {
        int r = t.Shape[0], c = t.Shape[1];
        var span = t.Span;
        var rows = new double[r][];
        for (int i = 0; i < r; i++)
        {
            rows[i] = new double[c];
            for (int j = 0; j < c; j++)
            {
                rows[i][j] = span[(i * c) + j];
            }
        }

        return rows;
    }
}
