using MtlSharp.MultiTask.Models.Routing;
using MtlSharp.MultiTask.Strategies.Aggregation;
using MtlSharp.MultiTask.Strategies.Sampling;
using MtlSharp.MultiTask.Strategies.Weighting;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// The names of the loop's strategies as configuration files and the command line spell them — the one table both
/// boundaries read (the schema's enums list the same names; a test keeps them equal). A new strategy is one line here.
/// </summary>
public static class ConfigNames
{
    /// <summary>Task samplers.</summary>
    public static IReadOnlyDictionary<string, SamplerKind> Samplers { get; } = new Dictionary<string, SamplerKind>(StringComparer.Ordinal)
    {
        ["rounds"] = SamplerKind.Rounds,
        ["all"] = SamplerKind.All,
        ["uniform"] = SamplerKind.Uniform,
        ["proportional"] = SamplerKind.Proportional,
        ["temperature"] = SamplerKind.Temperature,
        ["adaptive"] = SamplerKind.Adaptive,
    };

    /// <summary>Gradient aggregators ("none": the weighted loss sum).</summary>
    public static IReadOnlyDictionary<string, AggregatorKind> Aggregators { get; } = new Dictionary<string, AggregatorKind>(StringComparer.Ordinal)
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
        ["nashmtl"] = AggregatorKind.NashMtl,
        ["fairgrad"] = AggregatorKind.FairGrad,
        ["gradvac"] = AggregatorKind.GradVac,
        ["gradnorm"] = AggregatorKind.GradNorm,
        ["dbmtl"] = AggregatorKind.DbMtl,
        ["great"] = AggregatorKind.Great,
    };

    /// <summary>Loss weightings.</summary>
    public static IReadOnlyDictionary<string, LossWeightingKind> Weightings { get; } = new Dictionary<string, LossWeightingKind>(StringComparer.Ordinal)
    {
        ["fixed"] = LossWeightingKind.Fixed,
        ["uncertainty"] = LossWeightingKind.Uncertainty,
        ["gls"] = LossWeightingKind.Gls,
        ["imtl-l"] = LossWeightingKind.ImtlL,
        ["rlw"] = LossWeightingKind.Rlw,
        ["dwa"] = LossWeightingKind.Dwa,
        ["dbmtl-log"] = LossWeightingKind.DbMtlLog,
        ["stch"] = LossWeightingKind.Stch,
        ["famo"] = LossWeightingKind.Famo,
    };

    /// <summary>How a routed layer combines its active components.</summary>
    public static IReadOnlyDictionary<string, CombineMode> Combines { get; } = new Dictionary<string, CombineMode>(StringComparer.Ordinal)
    {
        ["mean"] = CombineMode.Mean,
        ["sum"] = CombineMode.Sum,
    };

    /// <summary>The name of <paramref name="value"/> in <paramref name="table"/>.</summary>
    public static string NameOf<T>(IReadOnlyDictionary<string, T> table, T value)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (var (name, v) in table)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, "No name for this value.");
    }
}
