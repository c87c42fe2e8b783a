namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// Thrown when a checkpoint does not fit the model or optimizer it is loaded into: a missing or unexpected tensor,
/// or a shape that differs. The message names the tensor and both shapes.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception with a full message.</summary>
    public CheckpointMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a full message and its cause.</summary>
    public CheckpointMismatchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
