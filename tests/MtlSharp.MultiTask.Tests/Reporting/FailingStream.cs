namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// A write-only stream that keeps the first <c>capacity</c> bytes and then fails like a full disk: the write that
/// would pass the capacity stores what fits and throws an <see cref="IOException"/>.
/// </summary>
internal sealed class FailingStream(int capacity) : Stream
{
    private readonly MemoryStream _kept = new();

    /// <summary>The bytes accepted before the failure.</summary>
    public byte[] Kept => _kept.ToArray();

    public bool FailFlush { get; set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _kept.Length;

    public override long Position
    {
        get => _kept.Length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int room = capacity - (int)_kept.Length;
        if (buffer.Length > room)
        {
            _kept.Write(buffer[..Math.Max(room, 0)]);
            throw new IOException("No space left on device (simulated).");
        }

        _kept.Write(buffer);
    }

    public override void Flush()
    {
        if (FailFlush)
        {
            throw new IOException("No space left on device (simulated flush).");
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
