namespace MtlSharp.MultiTask.Training;

/// <summary>Which checkpoint folder a save goes to.</summary>
public enum CheckpointKind
{
    /// <summary><c>checkpoints/last</c>: the complete resumable state.</summary>
    Last,

    /// <summary><c>checkpoints/best</c>: the parameters of the best validation evaluation.</summary>
    Best,
}
