namespace MtlSharp.MultiTask.Training;

/// <summary>What a task predicts, which fixes its loss and metric.</summary>
public enum TaskKind
{
    /// <summary>Class index; softmax cross-entropy loss; accuracy (higher is better).</summary>
    Classification,

    /// <summary>One real value; squared-error loss; MSE (lower is better).</summary>
    Regression,
}
