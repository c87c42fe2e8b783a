namespace MtlSharp.MultiTask.Training;

/// <summary>Writes checkpoints when the loop reaches a consistent point (after every callback has seen the step).</summary>
public interface ICheckpointWriter
{
    /// <summary>Writes the <paramref name="kind"/> checkpoint of <paramref name="run"/>.</summary>
    void Write(TrainingRun run, CheckpointKind kind);
}
