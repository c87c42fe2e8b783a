namespace MtlSharp.MultiTask.Models.MultiInput;

/// <summary>How a sentence encoder turns its per-token states into one vector.</summary>
public enum SentencePooling
{
    /// <summary>The mean over the sentence's tokens.</summary>
    Mean,

    /// <summary>The element-wise maximum over the sentence's tokens.</summary>
    Max,
}
