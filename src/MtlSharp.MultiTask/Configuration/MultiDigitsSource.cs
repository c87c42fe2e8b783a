namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// MultiMNIST-style two-item images (<see cref="Data.Images.MultiDigits"/>): the up-left item from the IDX images in
/// <see cref="Path"/>, the down-right one from <see cref="DownRightPath"/>; tasks classify the item named by their
/// <c>column</c> (<c>up-left</c> or <c>down-right</c>) and all label the same images.
/// </summary>
public sealed record MultiDigitsSource : DataSource
{
    /// <summary>The IDX folder of the up-left items (absolute).</summary>
    public required string Path { get; init; }

    /// <summary>The IDX folder of the down-right items (absolute; the same as <see cref="Path"/> unless set).</summary>
    public required string DownRightPath { get; init; }

    /// <summary>Training composites, validation included (default: one per up-left training image).</summary>
    public int? Train { get; init; }

    /// <summary>Test composites (default: one per up-left test image).</summary>
    public int? Test { get; init; }

    /// <summary>Fraction of the training composites held out for validation (the last ones).</summary>
    public double ValidFraction { get; init; }

    /// <summary>Seed of the partner draws (independent of the run seed, so every method and seed sees the same images).</summary>
    public ulong Seed { get; init; }

    /// <summary>Redraw partners of the up-left item's class.</summary>
    public bool DistinctClasses { get; init; }

    /// <summary>Resize the 36×36 canvas back to 28×28 (Sener &amp; Koltun); false keeps the canvas (Lin et al.'s files).</summary>
    public bool Resize { get; init; } = true;
}
