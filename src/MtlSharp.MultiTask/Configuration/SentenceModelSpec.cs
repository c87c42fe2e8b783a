using MtlSharp.Data.Text;
using MtlSharp.MultiTask.Models.MultiInput;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// A sentence-level classifier over UD English-EWT sentences (<c>model.type</c> "sentence"): an encoder (letter
/// trigrams, a BiLSTM, or none — the class prior), a shared core of dense tanh layers, a linear head per task.
/// </summary>
public sealed record SentenceModelSpec : ModelSpec
{
    /// <summary>The encoder.</summary>
    public required SentenceEncoderKind Encoder { get; init; }

    /// <summary>Trigram: hash buckets.</summary>
    public int Buckets { get; init; } = 16384;

    /// <summary>Trigram: how bag counts are scaled.</summary>
    public BagNormalization Normalization { get; init; } = BagNormalization.L2;

    /// <summary>Trigram: lower-case words before hashing.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>The encoder's output width (the core's input width).</summary>
    public int Width { get; init; } = 128;

    /// <summary>The shared core's layer widths (linear + tanh each).</summary>
    public IReadOnlyList<int> CoreSizes { get; init; } = [128];

    /// <summary>BiLSTM: stacked layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>BiLSTM: hidden size per direction.</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>BiLSTM: pooling over tokens.</summary>
    public SentencePooling Pooling { get; init; } = SentencePooling.Mean;
}
