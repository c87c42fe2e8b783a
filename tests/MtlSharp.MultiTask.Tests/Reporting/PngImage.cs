using System.Buffers.Binary;
using System.IO.Compression;

namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>Minimal PNG decoder for the screenshot test: 8-bit greyscale/RGB/RGBA/grey+alpha, non-interlaced.</summary>
internal sealed class PngImage
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    /// <summary>Unfiltered samples, row-major, <see cref="Channels"/> bytes per pixel.</summary>
    public byte[] Pixels { get; }

    public static bool HasSignature(byte[] file) => file.Length >= 8 && file.AsSpan(0, 8).SequenceEqual(Signature);

    /// <summary>(R, G, B) of pixel (x, y).</summary>
    public (byte R, byte G, byte B) Rgb(int x, int y)
    {
        int i = (y * Width + x) * Channels;
        return Channels >= 3 ? (Pixels[i], Pixels[i + 1], Pixels[i + 2]) : (Pixels[i], Pixels[i], Pixels[i]);
    }

    public static PngImage Decode(byte[] file)
    {
        if (!HasSignature(file)) throw new InvalidDataException("not a PNG (bad signature)");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        while (pos + 8 <= file.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            var data = file.AsSpan(pos + 8, len);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colorType = data[9], interlace = data[12];
                if (depth != 8 || interlace != 0) throw new NotSupportedException($"PNG depth {depth}, interlace {interlace}");
                channels = colorType switch
                {
                    0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => throw new NotSupportedException($"PNG colour type {colorType}"),
                };
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }
            pos += 12 + len;
        }
        if (channels == 0) throw new InvalidDataException("PNG without IHDR");

        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            z.ReadExactly(raw);
        var px = new byte[stride * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var src = raw.AsSpan(y * (stride + 1) + 1, stride);
            var dst = px.AsSpan(y * stride, stride);
            var up = y > 0 ? px.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= channels ? dst[i - channels] : 0, b = up[i], c = i >= channels ? up[i - channels] : 0;
                int pred = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                };
                dst[i] = (byte)(src[i] + pred);
            }
        }
        return new PngImage(width, height, channels, px);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
