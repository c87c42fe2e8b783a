namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Omniglot alphabets read from the two official zip archives (<see cref="Data.Images.Omniglot"/>): every task
/// classifies the characters of one alphabet (named by its <c>column</c>, default the task's name), split per
/// character 10/4/6 into train/validation/test with the alphabet's id as seed.
/// </summary>
public sealed record OmniglotSource : DataSource
{
    /// <summary>The folder with images_background.zip and images_evaluation.zip (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>Image side in pixels: 105 as stored, smaller area-averaged (the CPU protocol's reduction).</summary>
    public int Size { get; init; } = Data.Images.Omniglot.ImageSide;

    /// <summary>Training drawings per character.</summary>
    public int Train { get; init; } = 10;

    /// <summary>Validation drawings per character (the rest of the 20 are test).</summary>
    public int Valid { get; init; } = 4;
}
