namespace MtlSharp.Data.Tasks;

/// <summary>What a task predicts, which fixes its loss and its default metric.</summary>
public enum TaskKind
{
    /// <summary>One class index per example; softmax cross-entropy; accuracy (higher is better).</summary>
    Classification,

    /// <summary>One real value per example; squared error; MSE (lower is better).</summary>
    Regression,

    /// <summary>One class index per token of a sentence; token cross-entropy summed per sentence; token accuracy.</summary>
    SequenceTagging,
}
