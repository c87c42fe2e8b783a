namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// The kind of input a task of a multi-input or sentence run reads (<see cref="TaskInputFormat"/>): it decides which
/// files the task can be predicted on and which inputs its exported ONNX graph takes.
/// </summary>
public enum TaskInputKind
{
    /// <summary>Images [channels, height, width] (IDX files, PNG files).</summary>
    Images,

    /// <summary>Sentences of tokens (CoNLL-U or plain text): per-token tasks (tagging) and per-sentence tasks (genre).</summary>
    Sentences,

    /// <summary>Table rows of a CSV source, encoded by the run's fitted feature encoding.</summary>
    Rows,
}
