using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MtlSharp.Tensors;

namespace MtlSharp.NN.Checkpoints;

/// <summary>
/// Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format (float32 only),
/// so checkpoints load in PyTorch with <c>safetensors.torch.load_file</c> (or any reader of the format).
/// </summary>
/// <remarks>
/// Layout: an unsigned 64-bit little-endian header length N; N bytes of UTF-8 JSON (padded with spaces so the
/// data starts 8-byte aligned) mapping each tensor name to <c>{"dtype":"F32","shape":[..],"data_offsets":[begin,end]}</c>
/// (offsets into the data section) plus an optional <c>"__metadata__"</c> string→string map; then the tensors'
/// little-endian bytes back to back, in the order given, with no gaps. The reader checks that the offsets tile the
/// data section exactly and that each span matches its shape, all before allocating any tensor, so a header that
/// declares more data than the file holds costs nothing. Malformed input throws <see cref="FormatException"/> (from
/// <see cref="Read"/>: naming the file and the tensor); a dtype other than F32 throws <see cref="NotSupportedException"/>.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The reserved header key of the metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Writes a safetensors file atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        byte[] header = BuildHeader(tensors, metadata);
        AtomicFile.Write(path, s => WriteBody(s, header, tensors));
    }

    /// <summary>Writes the safetensors bytes to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WriteBody(stream, BuildHeader(tensors, metadata), tensors);
    }

    /// <summary>Reads a safetensors file of float32 tensors.</summary>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses safetensors bytes.</summary>
    public static SafeTensorsFile Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            throw new FormatException($"safetensors: {bytes.Length} bytes is too short for the 8-byte header length.");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > (ulong)Math.Min(MaxHeaderBytes, bytes.Length - 8))
        {
            throw new FormatException($"safetensors: header length {n} does not fit in a file of {bytes.Length} bytes.");
        }

        ReadOnlySpan<byte> data = bytes[(8 + (int)n)..];
        using var doc = ParseHeader(bytes.Slice(8, (int)n));
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == MetadataKey)
            {
                ReadMetadata(prop.Value, metadata);
                continue;
            }

            var entry = ReadEntry(prop);
            if (!names.Add(entry.Name))
            {
                throw new FormatException($"safetensors: tensor '{entry.Name}' appears twice in the header.");
            }

            entries.Add(entry);
        }

        entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long expected = 0;
        foreach (var (name, shape, begin, end) in entries)
        {
            if (begin != expected)
            {
                throw new FormatException($"safetensors: tensor '{name}' starts at byte {begin}, expected {expected} (gap or overlap in data_offsets).");
            }

            long elements = ElementCount(name, shape);
            if (end - begin != 4 * elements)
            {
                throw new FormatException($"safetensors: tensor '{name}' of shape [{string.Join(", ", shape)}] needs {4 * elements} bytes, data_offsets give {end - begin}.");
            }

            if (end > data.Length)
            {
                throw new FormatException($"safetensors: tensor '{name}' ends at byte {end} but the data section has {data.Length}.");
            }

            expected = end;
        }

        // Every size is now known to fit the bytes at hand; only then are tensors allocated.
        var tensors = new List<(string, Tensor)>(entries.Count);
        foreach (var (name, shape, begin, end) in entries)
        {
            var t = Tensor.Zeros(shape);
            CopyLittleEndian(data.Slice((int)begin, (int)(end - begin)), t.Span);
            t.Name = name;
            tensors.Add((name, t));
        }

        if (expected != data.Length)
        {
            throw new FormatException($"safetensors: the tensors cover {expected} bytes of a {data.Length}-byte data section.");
        }

        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>The number of elements of <paramref name="shape"/>; more than a tensor can hold is an error naming the tensor.</summary>
    private static long ElementCount(string name, int[] shape)
    {
        long n = 1;
        bool zero = Array.IndexOf(shape, 0) >= 0;
        foreach (int d in shape)
        {
            n = Math.Min(n * Math.Max(d, 1), 1L + int.MaxValue);
        }

        if (zero)
        {
            return 0;
        }

        if (n > int.MaxValue)
        {
            throw new FormatException($"safetensors: tensor '{name}' has shape [{string.Join(", ", shape)}], more than {int.MaxValue} elements (the most a tensor can hold).");
        }

        return n;
    }

    private static JsonDocument ParseHeader(ReadOnlySpan<byte> header)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            // JsonDocument checks UTF-8 inside strings only when they are read; names are read below.
            throw new FormatException("safetensors: the header is not valid UTF-8.");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"safetensors: the header is not valid JSON ({e.Message}).", e);
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new FormatException("safetensors: the header is not a JSON object.");
        }

        return doc;
    }

    private static void ReadMetadata(JsonElement e, Dictionary<string, string> into)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("safetensors: __metadata__ must be an object of strings.");
        }

        foreach (var m in e.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"safetensors: __metadata__ value '{m.Name}' is not a string.");
            }

            into[m.Name] = m.Value.GetString()!;
        }
    }

    private static (string Name, int[] Shape, long Begin, long End) ReadEntry(JsonProperty prop)
    {
        string name = prop.Name;
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtype)
            || !v.TryGetProperty("shape", out var shapeE)
            || !v.TryGetProperty("data_offsets", out var offE)
            || shapeE.ValueKind != JsonValueKind.Array
            || offE.ValueKind != JsonValueKind.Array
            || offE.GetArrayLength() != 2)
        {
            throw new FormatException($"safetensors: entry '{name}' needs dtype, shape and two data_offsets.");
        }

        if (dtype.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"safetensors: tensor '{name}' has a dtype that is not a string.");
        }

        if (dtype.GetString() != "F32")
        {
            throw new NotSupportedException($"safetensors: tensor '{name}' has dtype {dtype.GetString()}; only F32 is supported.");
        }

        int[] shape = new int[shapeE.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeE.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw new FormatException($"safetensors: tensor '{name}' has shape dimension {d.GetRawText()}; expected an integer from 0 to {int.MaxValue}.");
            }

            shape[i++] = dim;
        }

        if (offE[0].ValueKind != JsonValueKind.Number || offE[1].ValueKind != JsonValueKind.Number
            || !offE[0].TryGetInt64(out long begin) || !offE[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw new FormatException($"safetensors: tensor '{name}' has invalid data_offsets {offE.GetRawText()}.");
        }

        return (name, shape, begin, end);
    }

    private static byte[] BuildHeader(IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, val) in metadata)
                {
                    w.WriteString(k, val);
                }

                w.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                ArgumentException.ThrowIfNullOrEmpty(name);
                ArgumentNullException.ThrowIfNull(t);
                if (name == MetadataKey || !names.Add(name))
                {
                    throw new ArgumentException($"safetensors: tensor name '{name}' is reserved or repeated.", nameof(tensors));
                }

                w.WriteStartObject(name);
                w.WriteString("dtype", "F32");
                w.WriteStartArray("shape");
                foreach (int d in t.Shape.Dims)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                offset += 4L * t.Length;
                w.WriteNumberValue(offset);
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        int len = (int)ms.Length;
        int padded = (len + 7) & ~7;
        byte[] header = new byte[padded];
        ms.GetBuffer().AsSpan(0, len).CopyTo(header);
        header.AsSpan(len).Fill((byte)' ');
        return header;
    }

    private static void WriteBody(Stream s, byte[] header, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        s.Write(len);
        s.Write(header);
        byte[]? swap = null;
        foreach (var (_, t) in tensors)
        {
            ReadOnlySpan<float> src = t.Span;
            if (BitConverter.IsLittleEndian)
            {
                s.Write(MemoryMarshal.AsBytes(src));
                continue;
            }

            swap ??= new byte[4 * 4096];
            for (int i = 0; i < src.Length; i += 4096)
            {
                int n = Math.Min(4096, src.Length - i);
                for (int j = 0; j < n; j++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(swap.AsSpan(4 * j), src[i + j]);
                }

                s.Write(swap, 0, 4 * n);
            }
        }
    }

    private static void CopyLittleEndian(ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
            return;
        }

        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
        }
    }
}
