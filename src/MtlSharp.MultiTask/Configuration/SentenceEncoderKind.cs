namespace MtlSharp.MultiTask.Configuration;

/// <summary>The sentence encoder of a <see cref="SentenceModelSpec"/> (<c>model.encoder</c>).</summary>
public enum SentenceEncoderKind
{
    /// <summary>Bag of hashed letter trigrams → dense → tanh (Liu et al. 2015).</summary>
    Trigram,

    /// <summary>The taggers' word/character encoder and a BiLSTM, pooled over the tokens.</summary>
    BiLstm,

    /// <summary>No encoder: one learned bias per task (the majority-class baseline).</summary>
    Prior,
}
