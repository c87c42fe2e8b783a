using System.IO.Compression;

namespace MtlSharp.Testing;

/// <summary>
/// Tiny Omniglot-layout archives for tests: <c>images_background.zip</c> and <c>images_evaluation.zip</c> with
/// <c>images_*/ALPHABET/characterNN/IIII_DD.png</c> entries holding real 105×105 grey PNGs (written here by a minimal
/// encoder: one IDAT, no filtering), so the reader runs without the shared data.
/// </summary>
internal static class OmniglotFixture
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>
    /// Writes both archives into <paramref name="dir"/>: the background one with <paramref name="background"/>
    /// alphabets, the evaluation one with <paramref name="evaluation"/>, each (name, characters); drawing d of
    /// character c of alphabet a has ink on row (a + c + d) % 105 (and a dot at column d), so drawings differ.
    /// </summary>
    public static void Write(string dir, (string Name, int Characters)[] background, (string Name, int Characters)[] evaluation)
    {
        int a = 0;
        Archive(Path.Combine(dir, "images_background.zip"), "images_background", background, ref a);
        Archive(Path.Combine(dir, "images_evaluation.zip"), "images_evaluation", evaluation, ref a);
    }

    /// <summary>The ink row of drawing <paramref name="drawer"/> (1-based) of a character (see <see cref="Write"/>).</summary>
    public static int InkRow(int alphabet, int character, int drawer) => (alphabet + character + drawer) % 105;

    /// <summary>A grey PNG of <paramref name="w"/>×<paramref name="h"/> with pixel values from <paramref name="pixel"/>.</summary>
    public static byte[] Png(int w, int h, Func<int, int, byte> pixel)
    {
        var raw = new byte[h * (w + 1)];
        for (int y = 0; y < h; y++)
        {
            raw[y * (w + 1)] = 0;   // filter: none
            for (int x = 0; x < w; x++)
            {
                raw[(y * (w + 1)) + 1 + x] = pixel(x, y);
            }
        }

        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
        {
            zs.Write(raw);
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BigEndian(ihdr, 0, (uint)w);
        BigEndian(ihdr, 4, (uint)h);
        ihdr[8] = 8;   // bit depth
        ihdr[9] = 0;   // colour type: grey
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Archive(string path, string root, (string Name, int Characters)[] alphabets, ref int a)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, characters) in alphabets)
        {
            for (int c = 1; c <= characters; c++)
            {
                for (int d = 1; d <= 20; d++)
                {
                    int row = InkRow(a, c, d), col = d;
                    byte[] png = Png(105, 105, (x, y) => y == row || (x == col && y == 0) ? (byte)0 : (byte)255);
                    var entry = zip.CreateEntry($"{root}/{name}/character{c:00}/{(a * 100) + c:0000}_{d:00}.png");
                    using var s = entry.Open();
                    s.Write(png);
                }
            }

            a++;
        }
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        BigEndian(len, 0, (uint)data.Length);
        s.Write(len);
        var body = new byte[4 + data.Length];
        for (int i = 0; i < 4; i++)
        {
            body[i] = (byte)type[i];
        }

        data.CopyTo(body, 4);
        s.Write(body);
        var crc = new byte[4];
        BigEndian(crc, 0, Crc(body));
        s.Write(crc);
    }

    private static void BigEndian(byte[] b, int at, uint v)
    {
        b[at] = (byte)(v >> 24);
        b[at + 1] = (byte)(v >> 16);
        b[at + 2] = (byte)(v >> 8);
        b[at + 3] = (byte)v;
    }

    private static uint Crc(byte[] data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            t[n] = c;
        }

        return t;
    }
}
