using MtlSharp.Data.Text;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// A padded batch of sentences (word ids, characters, lengths, tags per task); under data parallelism, a share of a
/// batch's sentences (<see cref="Rows"/>, with the whole batch in <see cref="Whole"/>), so that noise drawn per
/// sentence or token (word dropout, input noise) is the whole batch's.
/// </summary>
public sealed class SentenceInput : BatchInput
{
    /// <summary>A whole sentence batch.</summary>
    public SentenceInput(SentenceBatch value)
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
        Whole = value;
    }

    private SentenceInput(SentenceBatch whole, int start, int count)
    {
        Whole = whole;
        Value = whole.Slice(start, count);
        Rows = new RowShare(start, count, whole.BatchSize);
    }

    /// <summary>The sentence batch (a share's sentences, with the whole batch's padded length).</summary>
    public SentenceBatch Value { get; }

    /// <summary>The whole batch <see cref="Value"/> is a share of (itself when it is the whole batch).</summary>
    public SentenceBatch Whole { get; }

    /// <summary>Which sentences of <see cref="Whole"/> <see cref="Value"/> holds (default: all of them).</summary>
    public RowShare Rows { get; }

    /// <summary>
    /// Sentences [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of this (whole) batch,
    /// for one process of a data-parallel run.
    /// </summary>
    public SentenceInput Share(int start, int count) => new(Whole, start, count);
}
