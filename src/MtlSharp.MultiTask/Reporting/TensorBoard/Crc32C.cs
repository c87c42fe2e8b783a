namespace MtlSharp.MultiTask.Reporting.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF), table-driven,
/// plus the masking that TFRecord framing applies to it. Check value: CRC32C("123456789") = 0xE3069283.
/// </summary>
/// <remarks>
/// Written here rather than taken from a package so that the library gains no dependency; the tests check it
/// against published vectors and against an independent implementation.
/// </remarks>
internal static class Crc32C
{
    /// <summary>The reflected Castagnoli polynomial.</summary>
    public const uint Polynomial = 0x82F63B78u;

    /// <summary>The constant added by <see cref="Mask"/>.</summary>
    public const uint MaskDelta = 0xA282EAD8u;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>
    /// The masked CRC stored in TFRecord framing: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c> in uint32
    /// arithmetic (masking keeps a CRC of data that itself holds CRCs from being degenerate).
    /// </summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + MaskDelta);

    /// <summary>The inverse of <see cref="Mask"/>.</summary>
    public static uint Unmask(uint masked)
    {
        uint rotated = unchecked(masked - MaskDelta);
        return (rotated >> 17) | (rotated << 15);
    }

    /// <summary>The masked CRC-32C of <paramref name="data"/>.</summary>
    public static uint ComputeMasked(ReadOnlySpan<byte> data) => Mask(Compute(data));

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
