using System.IO.Compression;

namespace MtlSharp.Data;

/// <summary>
/// Opens data files that may be gzip-compressed. Compression is detected from the content (the gzip magic bytes
/// <c>1f 8b</c>), not from the file name, so <c>x.gz</c> that was already unpacked and <c>x</c> that is still
/// compressed both read correctly.
/// </summary>
public static class DataFile
{
    /// <summary>True when the file starts with the gzip magic bytes <c>1f 8b</c>.</summary>
    public static bool IsGzip(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        return fs.ReadByte() == 0x1f && fs.ReadByte() == 0x8b;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for sequential reading, decompressing it when it is gzip. A missing file throws
    /// <see cref="FileNotFoundException"/> naming the path.
    /// </summary>
    public static Stream OpenRead(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: {path}", path);
        }

        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        int b0 = fs.ReadByte();
        int b1 = b0 < 0 ? -1 : fs.ReadByte();
        fs.Position = 0;
        return b0 == 0x1f && b1 == 0x8b ? new GZipStream(fs, CompressionMode.Decompress, leaveOpen: false) : fs;
    }

    /// <summary>Opens <paramref name="path"/> (gzip or plain) as UTF-8 text.</summary>
    public static StreamReader OpenText(string path) => new(OpenRead(path), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    /// <summary>
    /// Reads until <paramref name="buffer"/> is full or the stream ends; returns the number of bytes read. Corrupt
    /// compressed data is rethrown as <see cref="InvalidDataException"/> naming <paramref name="path"/>.
    /// </summary>
    internal static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data: {e.Message}", e);
        }

        return total;
    }
}
