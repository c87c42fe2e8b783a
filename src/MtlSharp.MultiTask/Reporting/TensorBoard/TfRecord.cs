using System.Buffers.Binary;

namespace MtlSharp.MultiTask.Reporting.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is
/// <c>uint64 length | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)</c>, all little-endian
/// (tensorboard/summary/writer/record_writer.py; tensorflow/core/lib/io/record_writer.cc).
/// </summary>
internal static class TfRecord
{
    /// <summary>Bytes before the data: the length and its masked CRC.</summary>
    public const int HeaderLength = 12;

    /// <summary>Bytes after the data: its masked CRC.</summary>
    public const int FooterLength = 4;

    /// <summary>One whole record holding <paramref name="data"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var record = new byte[HeaderLength + data.Length + FooterLength];
        Span<byte> span = record;
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Crc32C.ComputeMasked(span[..8]));
        data.CopyTo(span[HeaderLength..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderLength + data.Length)..], Crc32C.ComputeMasked(data));
        return record;
    }
}
