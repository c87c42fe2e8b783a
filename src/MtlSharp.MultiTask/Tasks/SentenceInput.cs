using MtlSharp.Data.Text;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>A padded batch of sentences (word ids, characters, lengths, tags per task).</summary>
public sealed class SentenceInput(SentenceBatch value) : BatchInput
{
    /// <summary>The sentence batch.</summary>
    public SentenceBatch Value { get; } = value ?? throw new ArgumentNullException(nameof(value));
}
