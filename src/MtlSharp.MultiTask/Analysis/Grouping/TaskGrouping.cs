namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>A chosen set of networks: every task is served by exactly one of them.</summary>
/// <param name="Networks">The networks, ordered by their lowest served task.</param>
/// <param name="Total">The sum over tasks of the predicted score of the network serving each.</param>
/// <param name="Exact">Whether the search was exact (false: the greedy approximation for many tasks).</param>
public sealed record TaskGrouping(IReadOnlyList<TaskGroupNetwork> Networks, double Total, bool Exact);
