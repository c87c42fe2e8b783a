using System.Buffers.Binary;
using System.Globalization;

namespace MtlSharp.Data.Images;

/// <summary>
/// Reads the images of an IDX image file (plain or gzip) a few at a time, for inputs too large to load at once; pixels
/// are divided by 255, as <see cref="IdxReader.ReadImages"/> does.
/// </summary>
public sealed class IdxImageStream : IDisposable
{
    private readonly Stream _stream;
    private byte[] _raw = [];

    private IdxImageStream(Stream stream, string path, int count, int rows, int cols)
    {
        _stream = stream;
        Path = path;
        Count = count;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>The file, for messages.</summary>
    public string Path { get; }

    /// <summary>The number of images the header declares.</summary>
    public int Count { get; }

    /// <summary>Rows per image.</summary>
    public int Rows { get; }

    /// <summary>Columns per image.</summary>
    public int Cols { get; }

    /// <summary>How many images have been read.</summary>
    public int Position { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/> and reads its header. A file that is not an IDX image file (magic
    /// <see cref="IdxReader.ImagesMagic"/>) or declares bad dimensions throws <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static IdxImageStream Open(string path)
    {
        var s = DataFile.OpenRead(path);
        try
        {
            Span<byte> header = stackalloc byte[16];
            int got = s.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < header.Length)
            {
                throw new InvalidDataException($"{path}: the file ends after {got} bytes; an IDX image file starts with a 16-byte header.");
            }

            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != IdxReader.ImagesMagic)
            {
                throw new InvalidDataException($"{path}: not an IDX image file (magic number {magic}, expected {IdxReader.ImagesMagic}).");
            }

            int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
            int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
            int cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
            if (count < 0 || rows <= 0 || cols <= 0 || (long)rows * cols > Array.MaxLength)
            {
                throw new InvalidDataException($"{path}: invalid IDX image dimensions {count} x {rows} x {cols} (count must be >= 0, rows and cols > 0).");
            }

            return new IdxImageStream(s, path, count, rows, cols);
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads up to <paramref name="pixels"/>.Length / (Rows · Cols) of the remaining images into
    /// <paramref name="pixels"/> (values in [0, 1]); returns how many (0 at the end). A file that ends before the
    /// declared count throws <see cref="InvalidDataException"/> naming it and the image.
    /// </summary>
    public int Read(Span<float> pixels)
    {
        int size = Rows * Cols;
        int n = Math.Min(pixels.Length / size, Count - Position);
        if (n <= 0)
        {
            return 0;
        }

        if (_raw.Length < n * size)
        {
            _raw = new byte[n * size];
        }

        int got = _stream.ReadAtLeast(_raw.AsSpan(0, n * size), n * size, throwOnEndOfStream: false);
        if (got < n * size)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{Path}: the file ends in image {Position + (got / size) + 1} of the {Count} its header declares (truncated)."));
        }

        for (int i = 0; i < n * size; i++)
        {
            pixels[i] = _raw[i] / 255f;
        }

        Position += n;
        return n;
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
