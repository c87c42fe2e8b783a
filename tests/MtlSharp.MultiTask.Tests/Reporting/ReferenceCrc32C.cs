namespace MtlSharp.MultiTask.Tests.Reporting;

/// <summary>
/// A bitwise CRC-32C (one shift per bit, no table), written from the definition (reflected polynomial 0x82F63B78,
/// initial value and final XOR 0xFFFFFFFF) and kept apart from the library's table-driven one, plus the TFRecord mask
/// written from its definition in tensorflow/core/lib/hash/crc32c.h.
/// </summary>
internal static class ReferenceCrc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>Rotate right by 15 bits and add a constant (crc32c.h: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + kMaskDelta</c>).</summary>
    public static uint Mask(uint crc) => unchecked(uint.RotateRight(crc, 15) + 0xA282EAD8u);
}
