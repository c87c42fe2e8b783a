using StbImageSharp;

namespace MtlSharp.Cli.Commands;

/// <summary>Reads PNG files as grayscale model inputs (values in [0, 1]) of a given size.</summary>
internal static class PngImages
{
    private const long MaxBytes = 64L << 20;
    private const long MaxPixels = 1L << 26;

    /// <summary>
    /// Decodes <paramref name="path"/> to grayscale and fits it to <paramref name="height"/> × <paramref name="width"/>
    /// (area-averaged when shrinking, nearest pixel when enlarging) into <paramref name="pixels"/>: grey/255, or
    /// 1 − grey/255 when <paramref name="inverted"/> (as Omniglot runs read their drawings). A file that is not a
    /// readable PNG throws <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static void ReadGray(string path, int height, int width, Span<float> pixels, bool inverted = false)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxBytes)
            {
                throw new InvalidDataException($"{path}: {info.Length} bytes; a PNG input may have at most {MaxBytes}.");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{path}: cannot be read ({e.Message})", e);
        }

        ImageResult image;
        try
        {
            var info = ImageInfo.FromStream(new MemoryStream(bytes))
                ?? throw new InvalidDataException($"{path}: not a readable PNG image (unrecognised content).");
            if ((long)info.Width * info.Height > MaxPixels || info.Width <= 0 || info.Height <= 0)
            {
                throw new InvalidDataException($"{path}: an image of {info.Width}x{info.Height} pixels is too large (at most {MaxPixels}).");
            }

            image = ImageResult.FromMemory(bytes, ColorComponents.Grey);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path}: not a readable PNG image ({e.Message})", e);
        }

        int sh = image.Height, sw = image.Width;
        byte[] src = image.Data;
        for (int y = 0; y < height; y++)
        {
            int y0 = (int)((long)y * sh / height), y1 = Math.Max(y0 + 1, (int)((long)(y + 1) * sh / height));
            for (int x = 0; x < width; x++)
            {
                int x0 = (int)((long)x * sw / width), x1 = Math.Max(x0 + 1, (int)((long)(x + 1) * sw / width));
                long sum = 0;
                for (int yy = y0; yy < y1; yy++)
                {
                    for (int xx = x0; xx < x1; xx++)
                    {
                        sum += src[(yy * sw) + xx];
                    }
                }

                float grey = sum / ((y1 - y0) * (x1 - x0) * 255f);
                pixels[(y * width) + x] = inverted ? 1f - grey : grey;
            }
        }
    }
}
