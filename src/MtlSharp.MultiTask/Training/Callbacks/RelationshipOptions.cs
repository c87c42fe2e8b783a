namespace MtlSharp.MultiTask.Training.Callbacks;

/// <summary>What <see cref="TaskRelationshipCallback"/> measures during training, and how often.</summary>
public sealed record RelationshipOptions
{
    /// <summary>Per-task gradient statistics of the shared layers every this many updates (0: none).</summary>
    public long GradientEvery { get; init; }

    /// <summary>TAG lookahead affinity every this many updates (0: none).</summary>
    public long AffinityEvery { get; init; }

    /// <summary>The lookahead SGD step size η (null: the first optimizer's current learning rate).</summary>
    public float? AffinityLearningRate { get; init; }

    /// <summary>Phases of training (equal shares of the updates) with a task × task matrix each (default 3: thirds).</summary>
    public int Phases { get; init; } = 3;

    /// <summary>Whether anything is measured.</summary>
    public bool Any => GradientEvery > 0 || AffinityEvery > 0;
}
