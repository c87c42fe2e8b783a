namespace MtlSharp.MultiTask.Configuration;

/// <summary>The encoder of one input type of a multi-input model (<c>model.encoders.*.type</c>).</summary>
public enum InputEncoderKind
{
    /// <summary>Images: conv → ReLU → 2×2 max pool → linear → tanh.</summary>
    Conv,

    /// <summary>Sentences, one row per token (tagging): word + char-BiLSTM → BiLSTM → linear → tanh.</summary>
    Tokens,

    /// <summary>Sentences, one row per sentence: the token encoder pooled (mean) over tokens.</summary>
    Sentence,

    /// <summary>Sentences as bags of hashed letter trigrams → dense → tanh (Liu et al. 2015).</summary>
    Trigram,

    /// <summary>Table rows (csv): linear → tanh.</summary>
    Dense,
}
