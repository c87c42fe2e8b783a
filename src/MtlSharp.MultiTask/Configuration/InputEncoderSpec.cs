namespace MtlSharp.MultiTask.Configuration;

/// <summary>One encoder of a multi-input model (<c>model.encoders.NAME</c>); every encoder ends at the model's width.</summary>
public sealed record InputEncoderSpec
{
    /// <summary>The encoder's kind (which input type it reads).</summary>
    public required InputEncoderKind Kind { get; init; }

    /// <summary>Conv: filters.</summary>
    public int Filters { get; init; } = 8;

    /// <summary>Conv: kernel side.</summary>
    public int Kernel { get; init; } = 5;

    /// <summary>Trigram: hash buckets.</summary>
    public int Buckets { get; init; } = 16384;

    /// <summary>Tokens, sentence: BiLSTM hidden size per direction.</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Tokens, sentence: stacked BiLSTM layers.</summary>
    public int Layers { get; init; } = 1;
}
