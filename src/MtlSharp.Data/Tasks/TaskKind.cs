namespace MtlSharp.Data.Tasks;

/// <summary>What a task predicts, which fixes its loss and its default metric.</summary>
public enum TaskKind
{
    /// <summary>One class index per example; softmax cross-entropy; accuracy (higher is better).</summary>
    Classification,

    /// <summary>One real value per example; squared error; MSE (lower is better).</summary>
    Regression,

    /// <summary>Several independent 0/1 labels per example; binary cross-entropy per label; per-label accuracy.</summary>
    MultiLabel,

    /// <summary>One class index per token of a sentence; token cross-entropy summed per sentence; token accuracy.</summary>
    SequenceTagging,
}
