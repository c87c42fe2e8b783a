using MtlSharp.Data.Images;

namespace MtlSharp.MultiTask.Configuration;

/// <summary>Images and labels in IDX files (MNIST, Fashion-MNIST); every task classifies them, optionally rotated.</summary>
public sealed record IdxImageSource : DataSource
{
    /// <summary>The folder with the IDX files (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>Per task name, the 90° rotation of its images (absent: none).</summary>
    public IReadOnlyDictionary<string, RotationDirection?> Rotate { get; init; } = new Dictionary<string, RotationDirection?>();
}
