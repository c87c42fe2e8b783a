using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MtlSharp.Data.Images;
using MtlSharp.Data.Tabular;
using MtlSharp.Data.Text;
using MtlSharp.Testing.Fuzzing;

namespace MtlSharp.Data.Tests;

/// <summary>
/// CsCheck fuzzing of every data reader through its file API (so gzip detection, decompression and UTF-8 decoding are
/// fuzzed too): mutated valid files are read or rejected with <see cref="InvalidDataException"/>, nothing else, and
/// no case hangs. Fixed seeds; a few seconds in all.
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    private const int Cases = 300;
    private readonly TempDir _dir = new();
    private int _file;

    public void Dispose() => _dir.Dispose();

    private static bool Documented(Exception e) => e is InvalidDataException;

    private static byte[] Gzip(byte[] content)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(content);
        }

        return ms.ToArray();
    }

    private static byte[] Header(params int[] values)
    {
        var h = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(i * 4), values[i]);
        }

        return h;
    }

    /// <summary>Writes <paramref name="bytes"/> to a fresh file of this test's folder.</summary>
    private string Write(byte[] bytes)
    {
        string path = _dir.File($"case{_file++}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static IReadOnlyList<byte[]> PlainAndGzip(byte[] valid) => [valid, Gzip(valid)];

    [Fact]
    public void IdxImagesAndLabels()
    {
        byte[] pixels = Enumerable.Range(0, 3 * 4 * 5).Select(i => (byte)(i * 7)).ToArray();
        byte[] images = [.. Header(IdxReader.ImagesMagic, 3, 4, 5), .. pixels];
        byte[] labels = [.. Header(IdxReader.LabelsMagic, 6), 0, 1, 9, 3, 4, 5];
        Assert.Equal(3, IdxReader.ReadImages(Write(images)).Count);

        double rejected = Fuzz.Run("IDX images", PlainAndGzip(images), 0x1D3, Cases, b => IdxReader.ReadImages(Write(b)), Documented);
        Assert.InRange(rejected, 0.5, 1.0);
        rejected = Fuzz.Run("IDX labels", PlainAndGzip(labels), 0x1D1, Cases, b => IdxReader.ReadLabels(Write(b)), Documented);
        Assert.InRange(rejected, 0.5, 1.0);
    }

    [Fact]
    public void ConllU()
    {
        byte[] valid = Encoding.UTF8.GetBytes(
            "# sent_id = answers-1\n# text = I can't go.\n" +
            "1\tI\tI\tPRON\tPRP\tCase=Nom\t3\tnsubj\t3:nsubj\t_\n" +
            "2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_\n" +
            "2\tca\tcan\tAUX\tMD\t_\t4\taux\t4:aux\t_\n" +
            "3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t4:advmod\t_\n" +
            "4\tgo\tgo\tVERB\tVB\t_\t0\troot\t0:root\t_\n" +
            "4.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t4:conj\t_\n" +
            "5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t4:punct\tSpaceAfter=No\n\n" +
            "# sent_id = email-2\n1\tHi\thi\tINTJ\tUH\t_\t0\troot\t0:root\t_\n2\tthere\tthere\tADV\tRB\t_\t1\tobl\t1:obl\t_\n");
        Assert.Equal(2, ConllUReader.Read(Write(valid)).Count);
        double rejected = Fuzz.Run("CoNLL-U", PlainAndGzip(valid), 0xC0_11, Cases, b => ConllUReader.Read(Write(b)), Documented);
        Assert.InRange(rejected, 0.3, 1.0);
    }

    [Fact]
    public void ColumnText()
    {
        byte[] valid = Encoding.UTF8.GetBytes(
            "Confidence NN B-NP\nin IN B-PP\nthe DT B-NP\npound NN I-NP\n. . O\n\nRockwell NNP B-NP\nsaid VBD B-VP\n. . O\n");
        Assert.Equal(2, ColumnReader.Read(Write(valid), ColumnFormat.Conll2000).Count);
        double rejected = Fuzz.Run("column text", PlainAndGzip(valid), 0xC01, Cases, b => ColumnReader.Read(Write(b), ColumnFormat.Conll2000), Documented);
        Assert.InRange(rejected, 0.1, 1.0);
    }

    [Fact]
    public void Csv()
    {
        byte[] valid = Encoding.UTF8.GetBytes(
            "\uFEFFid,name,score,note\r\n1,\"Smith, John\",3.5,plain\r\n2,\"say \"\"hi\"\"\",,\"two\nlines\"\r\n3,x,-1e3,\r\n");
        Assert.Equal(3, CsvTable.Read(Write(valid)).RowCount);
        double rejected = Fuzz.Run("CSV", PlainAndGzip(valid), 0xC5F, Cases, b => CsvTable.Read(Write(b)), Documented);
        Assert.InRange(rejected, 0.1, 1.0);

        // The in-memory parser (invalid UTF-8 becomes U+FFFD here, so the CSV rules themselves are fuzzed).
        rejected = Fuzz.Run("CSV text", [valid], 0xC5E, Cases, b => CsvTable.Parse(Encoding.UTF8.GetString(b), "fuzz.csv"), Documented);
        Assert.InRange(rejected, 0.01, 1.0);
    }
}
