namespace MtlSharp.Data.Images;

/// <summary>Pixel-array transforms for row-major image batches [N, H, W].</summary>
public static class ImageTransforms
{
    /// <summary>
    /// Rotates every image of <paramref name="pixels"/> [count, height, width] by 90° and returns a new array
    /// [count, width, height].
    /// Counter-clockwise: out[i, j] = in[j, W−1−i]; clockwise: out[i, j] = in[H−1−j, i].
    /// </summary>
    public static float[] Rot90(ReadOnlySpan<float> pixels, int count, int height, int width, RotationDirection direction = RotationDirection.CounterClockwise)
    {
        if (count < 0 || height <= 0 || width <= 0 || pixels.Length != (long)count * height * width)
        {
            throw new ArgumentException($"ImageTransforms.Rot90: {pixels.Length} pixels do not fit {count} x {height} x {width}.");
        }

        int size = height * width;
        var result = new float[pixels.Length];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> src = pixels.Slice(n * size, size);
            Span<float> dst = result.AsSpan(n * size, size);

            // Output has `width` rows and `height` columns.
            for (int i = 0; i < width; i++)
            {
                Span<float> row = dst.Slice(i * height, height);
                if (direction == RotationDirection.CounterClockwise)
                {
                    int col = width - 1 - i;
                    for (int j = 0; j < height; j++)
                    {
                        row[j] = src[(j * width) + col];
                    }
                }
                else
                {
                    for (int j = 0; j < height; j++)
                    {
                        row[j] = src[((height - 1 - j) * width) + i];
                    }
                }
            }
        }

        return result;
    }
}
