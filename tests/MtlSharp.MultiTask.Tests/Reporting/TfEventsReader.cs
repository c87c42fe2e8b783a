using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using Tensorboard;

namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// The tests' independent reader of TensorBoard event files. Framing: each record is checked against the TFRecord
/// layout with CRCs from <see cref="System.IO.Hashing"/>'s CRC-32C and from <see cref="ReferenceCrc32C"/> (neither
/// is the library's code). Content: each payload is parsed by Google.Protobuf with the C# classes that protoc
/// generated from the official TensorBoard protos (see TensorBoardProto/README.md) and must re-serialise to exactly
/// the same bytes with unknown fields discarded, so a wrong field number or wire type, an unknown field or a
/// non-canonical encoding fails.
/// </summary>
internal static class TfEventsReader
{
    /// <summary>Reads a whole event file, which another process may still hold open for writing.</summary>
    public static byte[] ReadAllBytesShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>The payloads of the records in <paramref name="bytes"/>; every byte must belong to a whole record.</summary>
    public static List<byte[]> ReadRecords(ReadOnlySpan<byte> bytes)
    {
        var records = new List<byte[]>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            Assert.True(bytes.Length - offset >= 12, $"truncated record header at byte {offset}");
            ReadOnlySpan<byte> lengthBytes = bytes.Slice(offset, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 8, 4));
            Assert.Equal(MaskedSystemCrc(lengthBytes), lengthCrc);
            Assert.Equal(ReferenceCrc32C.Mask(ReferenceCrc32C.Compute(lengthBytes)), lengthCrc);
            Assert.True((ulong)(bytes.Length - offset - 16) >= length, $"truncated record data at byte {offset}");
            ReadOnlySpan<byte> data = bytes.Slice(offset + 12, (int)length);
            uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(offset + 12 + (int)length, 4));
            Assert.Equal(MaskedSystemCrc(data), dataCrc);
            Assert.Equal(ReferenceCrc32C.Mask(ReferenceCrc32C.Compute(data)), dataCrc);
            records.Add(data.ToArray());
            offset += 16 + (int)length;
        }

        return records;
    }

    /// <summary>Parses one payload as <c>tensorboard.Event</c>, strictly (see the class remarks).</summary>
    public static Event ParseEvent(byte[] payload)
    {
        Event e = Event.Parser.WithDiscardUnknownFields(true).ParseFrom(payload);
        Assert.Equal(Convert.ToHexString(payload), Convert.ToHexString(e.ToByteArray()));
        return e;
    }

    /// <summary>All events of the file at <paramref name="path"/>.</summary>
    public static List<Event> ReadEvents(string path) =>
        ReadRecords(ReadAllBytesShared(path)).Select(ParseEvent).ToList();

    /// <summary>CRC-32C by System.IO.Hashing, masked by the reference mask.</summary>
    public static uint MaskedSystemCrc(ReadOnlySpan<byte> data) => ReferenceCrc32C.Mask(SystemCrc32C(data));

    /// <summary>CRC-32C by System.IO.Hashing's Castagnoli parameter set.</summary>
    public static uint SystemCrc32C(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
}
