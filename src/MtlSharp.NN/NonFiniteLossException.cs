namespace MtlSharp.NN;

/// <summary>Thrown by <see cref="LossGuard"/> when a loss is NaN or infinite; names the step and, if known, the task.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception for a loss <paramref name="value"/> at <paramref name="step"/>.</summary>
    public NonFiniteLossException(float value, long step, int? task = null, string? lossName = null)
        : base($"Non-finite loss {(lossName is null ? "" : $"'{lossName}' ")}({value}) at step {step}{(task is null ? "" : $" for task {task}")}.")
    {
        Value = value;
        Step = step;
        Task = task;
    }

    /// <summary>The offending value (NaN or ±∞).</summary>
    public float Value { get; }

    /// <summary>The training step.</summary>
    public long Step { get; }

    /// <summary>The task index, when the loss belongs to one task.</summary>
    public int? Task { get; }
}
