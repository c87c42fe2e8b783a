using System.Buffers.Binary;

namespace MtlSharp.Data.Images;

/// <summary>
/// Reader for the IDX files of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header (magic, then one
/// 32-bit size per dimension) followed by unsigned bytes. Images have magic 2051 (0x00000803, 3 dimensions:
/// count, rows, cols), labels 2049 (0x00000801, 1 dimension: count). Files may be gzip-compressed (detected by
/// the magic bytes <c>1f 8b</c>) or raw. Every error names the file.
/// </summary>
/// <remarks>
/// The sizes a header declares are checked against what the file really holds before they are trusted: a raw file's
/// length is compared up front, and a gzip file is read in chunks, so a header declaring billions of items costs only
/// the bytes that are there and ends with a "truncated" error. Malformed files throw <see cref="InvalidDataException"/>.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX image file (unsigned bytes, 3 dimensions).</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic number of an IDX label file (unsigned bytes, 1 dimension).</summary>
    public const int LabelsMagic = 2049;

    /// <summary>The first allocation for a payload read from a gzip file; it doubles as data arrives.</summary>
    private const int PayloadChunk = 1 << 20;

    private static readonly float[] ByteToUnit = MakeTable();

    /// <summary>Reads an image file; pixels are converted to float and divided by 255 (as <c>x.astype(float32)/255</c>).</summary>
    public static IdxImages ReadImages(string path)
    {
        using Stream s = DataFile.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(s, header, path, ImagesMagic, "image");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int cols = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || cols <= 0)
        {
            throw new InvalidDataException($"{path}: invalid IDX image dimensions {count} x {rows} x {cols} (count must be >= 0, rows and cols > 0).");
        }

        long perImage = (long)rows * cols;   // < 2^62: no overflow
        if (count > 0 && perImage > Array.MaxLength / count)
        {
            throw new InvalidDataException(
                $"{path}: IDX header declares {count} images of {rows}x{cols} = {(System.Numerics.BigInteger)perImage * count} pixels, more than one array can hold.");
        }

        long payload = perImage * count;

        byte[] raw = ReadPayload(s, (int)payload, path, header.Length, $"{count} images of {rows}x{cols}");
        var pixels = new float[payload];
        float[] table = ByteToUnit;
        for (int i = 0; i < raw.Length; i++)
        {
            pixels[i] = table[raw[i]];
        }

        return new IdxImages(pixels, count, rows, cols);
    }

    /// <summary>
    /// Reads a label file. Every label must lie in [0, <paramref name="numClasses"/>); otherwise the error names the
    /// file, the index and the value.
    /// </summary>
    public static int[] ReadLabels(string path, int numClasses = 10)
    {
        if (numClasses is <= 0 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "IdxReader.ReadLabels: numClasses must be in [1, 256].");
        }

        using Stream s = DataFile.OpenRead(path);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(s, header, path, LabelsMagic, "label");
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0)
        {
            throw new InvalidDataException($"{path}: invalid IDX label count {count}.");
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: IDX header declares {count} labels, more than one array can hold.");
        }

        byte[] raw = ReadPayload(s, count, path, header.Length, $"{count} labels");
        var labels = new int[count];
        for (int i = 0; i < raw.Length; i++)
        {
            int v = raw[i];
            if (v >= numClasses)
            {
                throw new InvalidDataException($"{path}: label {v} at index {i} is out of range; expected 0..{numClasses - 1}.");
            }

            labels[i] = v;
        }

        return labels;
    }

    /// <summary>
    /// Reads an image file and its label file and checks that their counts agree (an error names both files).
    /// </summary>
    public static LabeledImages Load(string imagesPath, string labelsPath, int numClasses = 10) =>
        Combine(ReadImages(imagesPath), imagesPath, ReadLabels(labelsPath, numClasses), labelsPath);

    /// <summary>Pairs images with their labels, checking that the counts agree (an error names both files).</summary>
    internal static LabeledImages Combine(IdxImages images, string imagesPath, int[] labels, string labelsPath)
    {
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException(
                $"Image/label count mismatch: {imagesPath} has {images.Count} images but {labelsPath} has {labels.Length} labels.");
        }

        return new LabeledImages(images.Pixels, labels, images.Rows, images.Cols);
    }

    private static void ReadHeader(Stream s, Span<byte> header, string path, int magic, string kind)
    {
        int got = DataFile.ReadFully(s, header);
        if (got >= 4)
        {
            int actual = BinaryPrimitives.ReadInt32BigEndian(header);
            if (actual != magic)
            {
                string hint = actual == (magic == ImagesMagic ? LabelsMagic : ImagesMagic)
                    ? $" (this looks like an IDX {(magic == ImagesMagic ? "label" : "image")} file)"
                    : string.Empty;
                throw new InvalidDataException(
                    $"{path}: not an IDX {kind} file: magic number {actual} (0x{actual:X8}), expected {magic} (0x{magic:X8}){hint}.");
            }
        }

        if (got < header.Length)
        {
            throw new InvalidDataException($"{path}: truncated IDX {kind} file: expected a {header.Length}-byte header but the file has {got} bytes.");
        }
    }

    /// <summary>
    /// Reads the <paramref name="length"/> payload bytes the header declares, checking the declared size against what
    /// the file really holds before trusting it: a plain file's length is compared up front, and a gzip file (whose
    /// decompressed size is unknown) is read in chunks, so a header that declares gigabytes costs only what is there.
    /// </summary>
    private static byte[] ReadPayload(Stream s, int length, string path, int headerBytes, string what)
    {
        long expected = headerBytes + (long)length;
        if (s is FileStream fs && fs.Length != expected)
        {
            throw fs.Length < expected ? Truncated(fs.Length) : TooLong(fs.Length);
        }

        byte[] buffer = new byte[Math.Min(length, PayloadChunk)];
        int got = 0;
        while (got < length)
        {
            if (got == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }

            int n = DataFile.ReadFully(s, buffer.AsSpan(got));
            if (n == 0)
            {
                throw Truncated(headerBytes + (long)got);
            }

            got += n;
        }

        Span<byte> probe = stackalloc byte[4096];
        long extra = 0;
        int k;
        while ((k = DataFile.ReadFully(s, probe)) > 0)
        {
            extra += k;
        }

        if (extra > 0)
        {
            throw TooLong(expected + extra);
        }

        return buffer;

        InvalidDataException Truncated(long actual) => new(
            $"{path}: truncated IDX file: the header declares {what}, so {expected} bytes are expected (after decompression), but the file has {actual} bytes.");

        InvalidDataException TooLong(long actual) => new(
            $"{path}: IDX file too long: the header declares {what}, so {expected} bytes are expected (after decompression), but the file has {actual} bytes.");
    }

    private static float[] MakeTable()
    {
        var t = new float[256];
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = i / 255f;
        }

        return t;
    }
}
