using System.Buffers.Binary;
using System.IO.Compression;

namespace MtlSharp.Data;

/// <summary>
/// The decompressed content of a gzip file, read forward only. Damaged compressed data (a failed CRC or length check,
/// invalid deflate data) throws <see cref="InvalidDataException"/> saying the file is corrupt, and a stream that ends
/// early — which <see cref="GZipStream"/> reports as a normal end — throws saying the file is truncated: at the end the
/// number of bytes read must match the size recorded in the gzip trailer (the last 4 bytes of the file).
/// </summary>
/// <remarks>Concatenated (multi-member) gzip files fail the end check: the trailer records only the last member.</remarks>
internal sealed class GzipReadStream : Stream
{
    private const int MinimumGzipBytes = 18;   // 10-byte header, empty deflate data (>= 0 bytes), 8-byte trailer

    private readonly GZipStream _gzip;
    private readonly string _path;
    private readonly uint? _recordedSize;
    private long _total;
    private bool _ended;

    /// <summary>Takes ownership of <paramref name="file"/>, positioned anywhere; reads it from the start.</summary>
    public GzipReadStream(FileStream file, string path)
    {
        _path = path;
        if (file.Length >= MinimumGzipBytes)
        {
            Span<byte> trailer = stackalloc byte[4];
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(trailer);
            _recordedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }

        file.Position = 0;
        _gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("A gzip stream has no length.");

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException("A gzip stream cannot seek.");
        set => throw new NotSupportedException("A gzip stream cannot seek.");
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _gzip.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            // GZipStream words every inflate error (including a failed CRC) as "unsupported compression method".
            throw new InvalidDataException(
                $"{_path}: corrupt gzip data after {_total} decompressed bytes: the file fails the gzip integrity check (CRC or length) or holds invalid deflate data; it is damaged, download it again.", e);
        }

        if (n > 0)
        {
            _total += n;
        }
        else if (buffer.Length > 0)
        {
            CheckEnd();
        }

        return n;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A gzip stream cannot seek.");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A gzip stream is read-only.");

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A gzip stream is read-only.");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    private void CheckEnd()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (_recordedSize != (uint)_total)
        {
            string recorded = _recordedSize is { } r ? $"its trailer records {r} bytes" : "it is too short to hold a gzip trailer";
            throw new InvalidDataException(
                $"{_path}: truncated gzip file: the compressed data ends after {_total} decompressed bytes, but {recorded}; the file is incomplete, download it again.");
        }
    }
}
