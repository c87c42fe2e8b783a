namespace MtlSharp.MultiTask.Strategies;

/// <summary>What <c>mtl list</c> says about a strategy: its name, family, what it does, its paper and its options.</summary>
/// <param name="Name">The name configurations and the command line use.</param>
/// <param name="Family">"aggregator" or "weighting".</param>
/// <param name="Summary">One line.</param>
/// <param name="Citation">Authors, year, title ("—" for none).</param>
/// <param name="Options">Hyperparameters: key, default, meaning.</param>
public sealed record StrategyInfo(string Name, string Family, string Summary, string Citation, IReadOnlyList<(string Key, double Default, string Meaning)> Options);
