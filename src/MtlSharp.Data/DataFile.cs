using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace MtlSharp.Data;

/// <summary>
/// Opens data files that may be gzip-compressed. Compression is detected from the content (the gzip magic bytes
/// <c>1f 8b</c>), not from the file name, so <c>x.gz</c> that was already unpacked and <c>x</c> that is still
/// compressed both read correctly. Damaged gzip data — a failed integrity check, or a file that ends early — throws
/// <see cref="InvalidDataException"/> naming the file, never silently returns less data.
/// </summary>
public static class DataFile
{
    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True when the file starts with the gzip magic bytes <c>1f 8b</c>.</summary>
    public static bool IsGzip(string path)
    {
        CheckIsFile(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        return fs.ReadByte() == 0x1f && fs.ReadByte() == 0x8b;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for sequential reading, decompressing it when it is gzip. A missing file throws
    /// <see cref="FileNotFoundException"/> and a folder <see cref="IOException"/>, each naming the path. Reading a
    /// gzip file that is damaged or ends early throws <see cref="InvalidDataException"/> naming it. A plain file is
    /// returned as its <see cref="FileStream"/> (so its length is known before reading).
    /// </summary>
    public static Stream OpenRead(string path)
    {
        CheckIsFile(path);
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        int b0 = fs.ReadByte();
        int b1 = b0 < 0 ? -1 : fs.ReadByte();
        fs.Position = 0;
        return b0 == 0x1f && b1 == 0x8b ? new GzipReadStream(fs, path) : fs;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (gzip or plain) as UTF-8 text. Invalid UTF-8 is replaced by U+FFFD; use
    /// <see cref="ReadAllText"/> to reject it instead.
    /// </summary>
    public static StreamReader OpenText(string path) => new(OpenRead(path), Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    /// <summary>The whole (decompressed) content of <paramref name="path"/>; errors as <see cref="OpenRead"/>.</summary>
    public static byte[] ReadAllBytes(string path)
    {
        using Stream s = OpenRead(path);
        if (s is FileStream fs)
        {
            var bytes = new byte[fs.Length];
            fs.ReadExactly(bytes);
            return bytes;
        }

        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>
    /// The whole (decompressed) content of <paramref name="path"/> as strict UTF-8 text (a leading byte-order mark is
    /// dropped). Bytes that are not valid UTF-8 throw <see cref="InvalidDataException"/> naming the file, the line and
    /// the offending byte; other errors as <see cref="OpenRead"/>.
    /// </summary>
    public static string ReadAllText(string path)
    {
        byte[] bytes = ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith(Utf8ByteOrderMark) ? 3 : 0;
        ReadOnlySpan<byte> text = bytes.AsSpan(start);
        if (!Utf8.IsValid(text))
        {
            throw InvalidUtf8(path, text, start);
        }

        return StrictUtf8.GetString(text);
    }

    /// <summary>
    /// Throws when <paramref name="path"/> is not an existing file: <see cref="IOException"/> saying it is a folder,
    /// or <see cref="FileNotFoundException"/>.
    /// </summary>
    internal static void CheckIsFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not a data file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: {path}", path);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the number of bytes read.</summary>
    internal static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static InvalidDataException InvalidUtf8(string path, ReadOnlySpan<byte> text, int skipped)
    {
        char[] chars = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            Utf8.ToUtf16(text, chars, out int valid, out _, replaceInvalidSequences: false);
            int line = 1 + text[..valid].Count((byte)'\n');
            int column = 1 + valid - (text[..valid].LastIndexOf((byte)'\n') + 1);
            var ci = CultureInfo.InvariantCulture;
            return new InvalidDataException(string.Create(ci,
                $"{path}:{line}: invalid UTF-8: byte 0x{text[valid]:X2} at byte {column} of the line (offset {skipped + valid} of the {(IsGzip(path) ? "decompressed " : string.Empty)}file); the file must be UTF-8 text."));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
