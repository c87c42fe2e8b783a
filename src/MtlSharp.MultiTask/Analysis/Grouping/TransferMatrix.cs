namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>
/// Taskonomy-style transfer relationships (Zamir et al. 2018) between a configuration's tasks: for every source task
/// j, a network trained on j alone; for every target task i, only i's task-specific parameters (heads, towers, task
/// gates; a tagger's output MLP) trained on a share <see cref="Fraction"/> of i's training examples (a tagger's: of the
/// training sentences) over j's frozen network (a tagger's: embeddings, character and sentence BiLSTMs), against i
/// trained from scratch on the same share. Indices are [source][target].
/// </summary>
public sealed record TransferMatrix
{
    /// <summary>The share of each target's training examples its heads were trained on.</summary>
    public required double Fraction { get; init; }

    /// <summary>Test metric of target i read from source j's frozen network ([j][i]; the diagonal: i's own network, its head retrained on the share).</summary>
    public required double[][] Test { get; init; }

    /// <summary>Test metric of each target trained from scratch (every parameter) on the share.</summary>
    public required double[] Scratch { get; init; }

    /// <summary>Test metric of each source's own network on its own task (all of its data).</summary>
    public required double[] Source { get; init; }

    /// <summary>
    /// Transfer gain in percent, [j][i] = 100·(s_{j→i} − s_i) / |s_i|, with s the direction-signed selection metric
    /// (validation where the data has a split, else test) of target i over source j and s_i from scratch; the diagonal
    /// is i's own network.
    /// </summary>
    public required double[][] Gain { get; init; }

    /// <summary>For each target, the other tasks as sources, best gain first (ties: lower index first).</summary>
    public required int[][] Ranking { get; init; }
}
