namespace MtlSharp.MultiTask.Analysis.Grouping;

/// <summary>Where a task grouping's group scores come from.</summary>
public enum GroupingMethod
{
    /// <summary>Standley et al. 2020: train every single task and every pair (and, within a budget, larger groups); estimate the rest from pairs.</summary>
    Standley,

    /// <summary>Fifty et al. 2021 (TAG): one run on all tasks measuring the lookahead affinity Z_{i→j}; a task's score in a group is the mean affinity into it.</summary>
    Tag,

    /// <summary>Gumbel-Matrix (Maziarz et al.): one routed run; a task's score in a group is the mean similarity of its allocation probabilities over training (every snapshot of the allocation history) to the other members' (<see cref="TaskEmbeddings.CentredSimilarity"/>).</summary>
    Gumbel,

    /// <summary>
    /// Taskonomy-style transfer (Zamir et al. 2018): a network per source task, then every target's head trained on a
    /// share of its data over each source's frozen network; a task's score in a group is the mean transfer gain into it
    /// from the other members.
    /// </summary>
    Transfer,
}
