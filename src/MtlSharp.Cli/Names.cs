using MtlSharp.MultiTask.Experiments;
using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Analysis;
using MtlSharp.MultiTask.Objectives;

namespace MtlSharp.Cli;

/// <summary>The one place where command-line strings become typed values (and back).</summary>
internal static class Names
{
    public static readonly IReadOnlyDictionary<string, PresetId> Presets =
        Enum.GetValues<PresetId>().ToDictionary(ExperimentRunner.Name, p => p, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, RoutingMethod> Methods =
        Enum.GetValues<RoutingMethod>().ToDictionary(ExperimentRunner.Name, m => m, StringComparer.Ordinal);

    public static readonly IReadOnlyDictionary<string, CombineMode> Combines = new Dictionary<string, CombineMode>(StringComparer.Ordinal)
    {
        ["mean"] = CombineMode.Mean,
        ["sum"] = CombineMode.Sum,
    };

    public static T Parse<T>(IReadOnlyDictionary<string, T> table, string value, string what) =>
        table.TryGetValue(value, out var v)
            ? v
            : throw new UsageException($"unknown {what} '{value}'; expected one of: {string.Join(", ", table.Keys)}");
}
