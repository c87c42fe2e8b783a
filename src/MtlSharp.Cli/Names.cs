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

    public static readonly IReadOnlyDictionary<string, CombineMode> Combines = new Dictionary<string, CombineMode>(StringComparer.Ordinal)
    {
        ["mean"] = CombineMode.Mean,
        ["sum"] = CombineMode.Sum,
    };

    public static readonly IReadOnlyDictionary<string, SamplerKind> Samplers = new Dictionary<string, SamplerKind>(StringComparer.Ordinal)
    {
        ["rounds"] = SamplerKind.Rounds,
        ["all"] = SamplerKind.All,
        ["uniform"] = SamplerKind.Uniform,
        ["proportional"] = SamplerKind.Proportional,
        ["temperature"] = SamplerKind.Temperature,
    };

    public static readonly IReadOnlyDictionary<string, AggregatorKind> Aggregators = new Dictionary<string, AggregatorKind>(StringComparer.Ordinal)
    {
        ["none"] = AggregatorKind.None,
        ["mean"] = AggregatorKind.Mean,
        ["pcgrad"] = AggregatorKind.PcGrad,
        ["mgda"] = AggregatorKind.Mgda,
        ["cagrad"] = AggregatorKind.CaGrad,
        ["upgrad"] = AggregatorKind.UpGrad,
        ["imtlg"] = AggregatorKind.ImtlG,
        ["alignedmtl"] = AggregatorKind.AlignedMtl,
        ["config"] = AggregatorKind.Config,
        ["graddrop"] = AggregatorKind.GradDrop,
    };

    public static readonly IReadOnlyDictionary<string, LossWeightingKind> Weightings = new Dictionary<string, LossWeightingKind>(StringComparer.Ordinal)
    {
        ["fixed"] = LossWeightingKind.Fixed,
        ["uncertainty"] = LossWeightingKind.Uncertainty,
        ["gls"] = LossWeightingKind.Gls,
        ["imtl-l"] = LossWeightingKind.ImtlL,
        ["rlw"] = LossWeightingKind.Rlw,
        ["dwa"] = LossWeightingKind.Dwa,
        ["dbmtl-log"] = LossWeightingKind.DbMtlLog,
        ["stch"] = LossWeightingKind.Stch,
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
