namespace MtlSharp.MultiTask.Configuration;

/// <summary>Optimizer settings (null: the model family's default).</summary>
public sealed record OptimizerSpec
{
    /// <summary>Optimizer (null: Adam for routed models, SGD for taggers).</summary>
    public OptimizerKind? Type { get; init; }

    /// <summary>Learning rate of the weights.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Learning rate of the router logits (routed models; default: the weights').</summary>
    public float? RouterLearningRate { get; init; }

    /// <summary>Global gradient-norm clip (0 = off).</summary>
    public float? ClipNorm { get; init; }
}
