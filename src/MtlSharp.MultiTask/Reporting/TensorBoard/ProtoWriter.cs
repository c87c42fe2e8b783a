using System.Buffers.Binary;
using System.Text;

namespace MtlSharp.MultiTask.Reporting.TensorBoard;

/// <summary>
/// A minimal protocol-buffers wire-format encoder (varint, 64-bit, 32-bit and length-delimited fields) into a
/// growable buffer: enough for the few TensorBoard messages that <see cref="EventEncoder"/> writes.
/// </summary>
/// <remarks>Wire format: https://protobuf.dev/programming-guides/encoding/ — a field's key is
/// <c>(field_number &lt;&lt; 3) | wire_type</c> as a varint.</remarks>
internal sealed class ProtoWriter
{
    /// <summary>Wire type 0: varint (int32, int64, uint64, bool, enum).</summary>
    public const int WireVarint = 0;

    /// <summary>Wire type 1: 8 little-endian bytes (fixed64, sfixed64, double).</summary>
    public const int WireFixed64 = 1;

    /// <summary>Wire type 2: a varint length then that many bytes (string, bytes, embedded message).</summary>
    public const int WireLengthDelimited = 2;

    /// <summary>Wire type 5: 4 little-endian bytes (fixed32, sfixed32, float).</summary>
    public const int WireFixed32 = 5;

    private byte[] _buffer;
    private int _length;

    /// <summary>An empty writer with room for <paramref name="capacity"/> bytes.</summary>
    public ProtoWriter(int capacity = 64) => _buffer = new byte[Math.Max(capacity, 16)];

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>The number of bytes written so far.</summary>
    public int Length => _length;

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Writes a field key.</summary>
    public void WriteKey(int fieldNumber, int wireType) => WriteVarint((ulong)(((uint)fieldNumber << 3) | (uint)wireType));

    /// <summary>Writes an unsigned varint (7 bits a byte, low group first, high bit = more).</summary>
    public void WriteVarint(ulong value)
    {
        Span<byte> span = Reserve(10);
        int n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        _length += n;
    }

    /// <summary>An <c>int64</c> field (a negative value is its 64-bit two's complement, ten bytes).</summary>
    public void WriteInt64(int fieldNumber, long value)
    {
        WriteKey(fieldNumber, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    /// <summary>A <c>double</c> field.</summary>
    public void WriteDouble(int fieldNumber, double value)
    {
        WriteKey(fieldNumber, WireFixed64);
        BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
        _length += 8;
    }

    /// <summary>A <c>float</c> field.</summary>
    public void WriteFloat(int fieldNumber, float value)
    {
        WriteKey(fieldNumber, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
        _length += 4;
    }

    /// <summary>A <c>string</c> field, UTF-8 encoded.</summary>
    public void WriteString(int fieldNumber, string value)
    {
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteKey(fieldNumber, WireLengthDelimited);
        WriteVarint((ulong)byteCount);
        Encoding.UTF8.GetBytes(value, Reserve(byteCount));
        _length += byteCount;
    }

    /// <summary>A length-delimited field holding <paramref name="bytes"/> (bytes or an embedded message).</summary>
    public void WriteBytes(int fieldNumber, ReadOnlySpan<byte> bytes)
    {
        WriteKey(fieldNumber, WireLengthDelimited);
        WriteVarint((ulong)bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>The written bytes as a new array.</summary>
    public byte[] ToArray() => Written.ToArray();

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        return _buffer.AsSpan(_length, count);
    }
}
