namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>One network of a chosen grouping: the tasks it is trained on, and those it serves (for which it is the best chosen network).</summary>
/// <param name="Trained">The tasks the network is trained on (ascending task indices).</param>
/// <param name="Serves">The tasks whose predictions are taken from it (a subset of <paramref name="Trained"/>).</param>
/// <param name="Scores">The predicted score of each of <paramref name="Serves"/> (higher is better).</param>
public sealed record TaskGroupNetwork(int[] Trained, int[] Serves, double[] Scores);
