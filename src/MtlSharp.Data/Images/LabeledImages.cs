namespace MtlSharp.Data.Images;

/// <summary>
/// A set of single-channel images with integer class labels. <see cref="Pixels"/> is row-major
/// [Count, Height * Width] (equivalently [Count, 1, Height, Width]), values in [0, 1].
/// </summary>
public sealed class LabeledImages
{
    /// <summary>Wraps existing arrays (not copied); checks their lengths.</summary>
    public LabeledImages(float[] pixels, int[] labels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (height <= 0 || width <= 0 || pixels.Length != (long)labels.Length * height * width)
        {
            throw new ArgumentException(
                $"LabeledImages: {pixels.Length} pixels do not fit {labels.Length} labels x {height} x {width}.");
        }

        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    /// <summary>Pixels [Count, Height * Width], in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>Class labels [Count].</summary>
    public int[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Image height (rows).</summary>
    public int Height { get; }

    /// <summary>Image width (columns).</summary>
    public int Width { get; }

    /// <summary>Pixels per image.</summary>
    public int ImageSize => Height * Width;

    /// <summary>The pixels of image <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>
    /// Every image rotated by 90° in <paramref name="direction"/> (labels shared, not copied); the result is
    /// Width × Height.
    /// </summary>
    public LabeledImages Rotate90(RotationDirection direction = RotationDirection.CounterClockwise) =>
        new(ImageTransforms.Rot90(Pixels, Count, Height, Width, direction), Labels, Width, Height);
}
