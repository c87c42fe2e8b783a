namespace MtlSharp.Data.Images;

/// <summary>
/// Images that each show two overlapping items (<see cref="MultiDigits"/>): pixels [Count, Height * Width] in
/// [0, 1], the class of the up-left item and of the down-right item, and which source images were used.
/// </summary>
public sealed class MultiDigitSet
{
    /// <summary>Wraps the arrays (not copied); checks their lengths.</summary>
    public MultiDigitSet(float[] pixels, int height, int width, int[] upLeftLabels, int[] downRightLabels, int[] upLeftIndex, int[] downRightIndex)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(upLeftLabels);
        ArgumentNullException.ThrowIfNull(downRightLabels);
        ArgumentNullException.ThrowIfNull(upLeftIndex);
        ArgumentNullException.ThrowIfNull(downRightIndex);
        int n = upLeftLabels.Length;
        if (height <= 0 || width <= 0 || pixels.Length != (long)n * height * width
            || downRightLabels.Length != n || upLeftIndex.Length != n || downRightIndex.Length != n)
        {
            throw new ArgumentException($"MultiDigitSet: {pixels.Length} pixels, {upLeftLabels.Length}/{downRightLabels.Length} labels and {upLeftIndex.Length}/{downRightIndex.Length} indices do not fit {height} x {width} images.");
        }

        Pixels = pixels;
        Height = height;
        Width = width;
        UpLeftLabels = upLeftLabels;
        DownRightLabels = downRightLabels;
        UpLeftIndex = upLeftIndex;
        DownRightIndex = downRightIndex;
    }

    /// <summary>Pixels [Count, Height * Width], in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Number of images.</summary>
    public int Count => UpLeftLabels.Length;

    /// <summary>Class of the up-left item of each image (task 1).</summary>
    public int[] UpLeftLabels { get; }

    /// <summary>Class of the down-right item of each image (task 2).</summary>
    public int[] DownRightLabels { get; }

    /// <summary>Index of each image's up-left item in its source set.</summary>
    public int[] UpLeftIndex { get; }

    /// <summary>Index of each image's down-right item in its source set.</summary>
    public int[] DownRightIndex { get; }

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);

    /// <summary>The first <paramref name="count"/> images and the rest, as two sets (arrays copied).</summary>
    public (MultiDigitSet Head, MultiDigitSet Tail) SplitAt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        int size = Height * Width;
        MultiDigitSet Part(int start, int n) => new(
            Pixels.AsSpan(start * size, n * size).ToArray(), Height, Width,
            UpLeftLabels.AsSpan(start, n).ToArray(), DownRightLabels.AsSpan(start, n).ToArray(),
            UpLeftIndex.AsSpan(start, n).ToArray(), DownRightIndex.AsSpan(start, n).ToArray());
        return (Part(0, count), Part(count, Count - count));
    }
}
