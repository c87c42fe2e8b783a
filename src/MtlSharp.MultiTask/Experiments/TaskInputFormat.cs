using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Configuration;

namespace MtlSharp.MultiTask.Experiments;

/// <summary>
/// What one task of a multi-input run (or of the sentence run of <c>ewt-genre</c>) reads, and how a new input is
/// encoded for it exactly as in training: the image shape, the sentence vocabularies and tag set, the letter-trigram
/// hasher, or the CSV source's fitted encoding. Prediction (<see cref="Evaluation.MultiInputPredictor"/>,
/// <c>mtl predict</c>) and export (<c>mtl export</c>) read it from <see cref="RunPlan.TaskInputs"/>.
/// </summary>
public sealed record TaskInputFormat
{
    /// <summary>The data input's name in the configuration (<c>data.inputs</c>: e.g. "digits"); "sentences" for a sentence run.</summary>
    public required string Input { get; init; }

    /// <summary>The input's kind.</summary>
    public required TaskInputKind Kind { get; init; }

    /// <summary>Images: [channels, height, width] (grey levels / 255, as the run's IDX images); null otherwise.</summary>
    public IReadOnlyList<int>? ImageShape { get; init; }

    /// <summary>
    /// Sentences read by a BiLSTM (tagging, the BiLSTM sentence encoder): the run's word and character vocabularies and
    /// tag sets (built on its training split; unseen words read as &lt;unk&gt;); null otherwise.
    /// </summary>
    public SentenceBatcher? Batcher { get; init; }

    /// <summary>Tagging: the index of the task's tag set in <see cref="SentenceBatcher.Tasks"/>; −1 for a per-sentence task.</summary>
    public int TagSet { get; init; } = -1;

    /// <summary>Sentences read as bags of letter trigrams: the run's hasher (buckets, normalisation, lower-casing); null otherwise.</summary>
    public LetterTrigramHasher? Hasher { get; init; }

    /// <summary>Rows: the CSV tasks with the fitted input encoding; null otherwise.</summary>
    public CsvTaskSet? Csv { get; init; }

    /// <summary>Rows: the task's index in <see cref="Csv"/>'s tasks and labels; −1 otherwise.</summary>
    public int CsvTask { get; init; } = -1;

    /// <summary>Class or tag names of the task's outputs, in output order, where the run knows them; null: class indices.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Whether the task predicts one output row per token (tagging) rather than one per example.</summary>
    public bool PerToken => TagSet >= 0;
}
