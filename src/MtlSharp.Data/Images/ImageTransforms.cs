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

    /// <summary>
    /// Resizes every image of <paramref name="pixels"/> [count, height, width] to [count, outHeight, outWidth] by
    /// bilinear interpolation with half-pixel centres and clamped edges, as TensorFlow 2's
    /// <c>tf.image.resize(method="bilinear", antialias=False)</c>: output pixel (i, j) reads the source at
    /// ((i + ½)·height/outHeight − ½, (j + ½)·width/outWidth − ½), clamped to the image. Without antialiasing, a shrink
    /// by more than 2× skips source pixels; it is meant for enlarging (28×28 → 32×32) or mild shrinking.
    /// </summary>
    public static float[] ResizeBilinear(ReadOnlySpan<float> pixels, int count, int height, int width, int outHeight, int outWidth)
    {
        if (count < 0 || height <= 0 || width <= 0 || pixels.Length != (long)count * height * width)
        {
            throw new ArgumentException($"ImageTransforms.ResizeBilinear: {pixels.Length} pixels do not fit {count} x {height} x {width}.");
        }

        if (outHeight <= 0 || outWidth <= 0)
        {
            throw new ArgumentException($"ImageTransforms.ResizeBilinear: the output side must be positive, got {outHeight} x {outWidth}.");
        }

        var (y0, y1, wy) = Taps(height, outHeight);
        var (x0, x1, wx) = Taps(width, outWidth);
        int inSize = height * width, outSize = outHeight * outWidth;
        var result = new float[(long)count * outSize];
        for (int n = 0; n < count; n++)
        {
            ReadOnlySpan<float> src = pixels.Slice(n * inSize, inSize);
            Span<float> dst = result.AsSpan(n * outSize, outSize);
            for (int i = 0; i < outHeight; i++)
            {
                ReadOnlySpan<float> top = src.Slice(y0[i] * width, width), bottom = src.Slice(y1[i] * width, width);
                float fy = wy[i];
                for (int j = 0; j < outWidth; j++)
                {
                    float t = top[x0[j]] + ((top[x1[j]] - top[x0[j]]) * wx[j]);
                    float b = bottom[x0[j]] + ((bottom[x1[j]] - bottom[x0[j]]) * wx[j]);
                    dst[(i * outWidth) + j] = t + ((b - t) * fy);
                }
            }
        }

        return result;
    }

    /// <summary>Per output coordinate: the two source coordinates and the weight of the second (half-pixel centres).</summary>
    private static (int[] Low, int[] High, float[] Weight) Taps(int from, int to)
    {
        var low = new int[to];
        var high = new int[to];
        var weight = new float[to];
        double scale = (double)from / to;
        for (int i = 0; i < to; i++)
        {
            double s = Math.Clamp(((i + 0.5) * scale) - 0.5, 0, from - 1);
            int l = (int)Math.Floor(s);
            low[i] = l;
            high[i] = Math.Min(l + 1, from - 1);
            weight[i] = (float)(s - l);
        }

        return (low, high, weight);
    }
}
