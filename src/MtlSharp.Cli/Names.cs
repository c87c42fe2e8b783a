using MtlSharp.MultiTask.Configuration;
using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Models.Tagging;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.Cli;

/// <summary>The one place where command-line strings become typed values (and back): presets, methods, modes.</summary>
internal static class Names
{
    public static readonly IReadOnlyDictionary<string, PresetId> RoutedPresets =
        Enum.GetValues<PresetId>().ToDictionary(GumbelExperiments.Name, p => p, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, RoutingMethod> RoutedMethods =
        Enum.GetValues<RoutingMethod>().ToDictionary(GumbelExperiments.Name, m => m, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, TaggingPreset> TaggingPresets =
        Enum.GetValues<TaggingPreset>().ToDictionary(TaggingExperiments.Name, p => p, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, TaggingMethod> TaggingMethods =
        Enum.GetValues<TaggingMethod>().ToDictionary(TaggingExperiments.Name, m => m, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, CombineMode> Combines = ConfigNames.Combines;

    public static readonly IReadOnlyDictionary<string, SamplerKind> Samplers = ConfigNames.Samplers;

    public static readonly IReadOnlyDictionary<string, AggregatorKind> Aggregators = ConfigNames.Aggregators;

    public static readonly IReadOnlyDictionary<string, LossWeightingKind> Weightings = ConfigNames.Weightings;

    public static readonly IReadOnlyDictionary<string, MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod> GroupingMethods =
        new Dictionary<string, MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod>(StringComparer.Ordinal)
        {
            ["standley"] = MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod.Standley,
            ["tag"] = MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod.Tag,
            ["gumbel"] = MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod.Gumbel,
            ["transfer"] = MtlSharp.MultiTask.Analysis.Grouping.GroupingMethod.Transfer,
        };

    /// <summary>Every preset name, routed presets first.</summary>
    public static IEnumerable<string> AllPresets => RoutedPresets.Keys.Concat(TaggingPresets.Keys);

    public static T Parse<T>(IReadOnlyDictionary<string, T> table, string value, string what) =>
        table.TryGetValue(value, out var v)
            ? v
            : throw new UsageException($"unknown {what} '{value}'; expected one of: {string.Join(", ", table.Keys)}");

    /// <summary>Checks that <paramref name="preset"/> exists (either family).</summary>
    public static void CheckPreset(string preset)
    {
        if (!RoutedPresets.ContainsKey(preset) && !TaggingPresets.ContainsKey(preset))
        {
            throw new UsageException($"unknown preset '{preset}'; expected one of: {string.Join(", ", AllPresets)}");
        }
    }
}
