namespace MtlSharp.Data.Images;

/// <summary>An Omniglot alphabet's training, validation (none when its share is 0) and test drawings.</summary>
/// <param name="Train">Training drawings (10 per character by default).</param>
/// <param name="Valid">Validation drawings (4 per character by default), or null.</param>
/// <param name="Test">Test drawings (6 per character by default).</param>
public sealed record OmniglotSplit(LabeledImages Train, LabeledImages? Valid, LabeledImages Test);
