namespace MtlSharp.MultiTask.Configuration;

/// <summary>One named dataset of image-tasks data (<c>data.datasets.NAME</c>).</summary>
public sealed record ImageDatasetSpec
{
    /// <summary>IDX files or Omniglot archives.</summary>
    public required ImageDatasetKind Kind { get; init; }

    /// <summary>The folder holding the files (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>
    /// IDX: the last this many training images are held out for validation (0: no validation split). Omniglot:
    /// validation drawings per character.
    /// </summary>
    public int Valid { get; init; }

    /// <summary>Omniglot: training drawings per character (the rest of the 20 are test).</summary>
    public int Train { get; init; } = 10;
}
