using System.Buffers.Binary;
using System.IO.Compression;
using MtlSharp.Data.Images;

namespace MtlSharp.Data.Tests;

/// <summary>The IDX reader on tiny files written here: valid, gzip, and every kind of corruption.</summary>
public sealed class IdxReaderTests
{
    private static byte[] Header(params int[] values)
    {
        var h = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(i * 4), values[i]);
        }

        return h;
    }

    private static void Write(string path, byte[] content, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, content);
            return;
        }

        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        gz.Write(content);
    }

    private static byte[] Images(int count, int rows, int cols, byte[] pixels) => [.. Header(2051, count, rows, cols), .. pixels];

    private static byte[] Labels(params byte[] labels) => [.. Header(2049, labels.Length), .. labels];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabels(bool gzip)
    {
        using var dir = new TempDir();
        string img = dir.File("img"), lab = dir.File("lab");
        Write(img, Images(2, 2, 3, [0, 255, 51, 1, 2, 3, 4, 5, 6, 7, 8, 9]), gzip);
        Write(lab, Labels(7, 0), gzip);
        Assert.Equal(gzip, DataFile.IsGzip(img));
        LabeledImages set = IdxReader.Load(img, lab);
        Assert.Equal(2, set.Count);
        Assert.Equal(2, set.Height);
        Assert.Equal(3, set.Width);
        Assert.Equal(new[] { 7, 0 }, set.Labels);
        Assert.Equal(0f, set.Pixels[0]);
        Assert.Equal(1f, set.Pixels[1]);
        Assert.Equal(51f / 255f, set.Pixels[2]);
        Assert.Equal(9f / 255f, set.Image(1)[5]);
    }

    [Fact]
    public void WrongMagicNamesFileAndBothNumbers()
    {
        using var dir = new TempDir();
        string img = dir.File("bad-magic");
        File.WriteAllBytes(img, [.. Header(2050, 1, 1, 1), 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(img));
        Assert.Contains(img, e.Message);
        Assert.Contains("2050", e.Message);
        Assert.Contains("2051", e.Message);

        string lab = dir.File("labels-as-images");
        File.WriteAllBytes(lab, Labels(1, 2));
        var e2 = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(lab));
        Assert.Contains("looks like an IDX label file", e2.Message);
        var e3 = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(img));
        Assert.Contains(img, e3.Message);
        Assert.Contains("2049", e3.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedPayloadNamesFileExpectedAndActualBytes(bool gzip)
    {
        using var dir = new TempDir();
        string img = dir.File("trunc");
        Write(img, Images(3, 2, 3, new byte[14]), gzip); // needs 16 + 18 = 34 bytes, has 30
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(img));
        Assert.Contains(img, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("34 bytes", e.Message);
        Assert.Contains("30 bytes", e.Message);
    }

    [Fact]
    public void TruncatedHeaderAndTrailingBytesAreErrors()
    {
        using var dir = new TempDir();
        string shortFile = dir.File("short");
        File.WriteAllBytes(shortFile, Header(2051, 1)); // 8 of 16 header bytes
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(shortFile));
        Assert.Contains(shortFile, e.Message);
        Assert.Contains("16-byte header", e.Message);
        Assert.Contains("has 8 bytes", e.Message);

        string longFile = dir.File("long");
        File.WriteAllBytes(longFile, [.. Labels(1, 2), 3]);
        var e2 = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(longFile));
        Assert.Contains(longFile, e2.Message);
        Assert.Contains("10 bytes are expected", e2.Message);
        Assert.Contains("has 11 bytes", e2.Message);
    }

    [Fact]
    public void CorruptGzipNamesFile()
    {
        using var dir = new TempDir();
        string good = dir.File("good.gz"), cut = dir.File("cut.gz");
        var rnd = new Random(1);
        byte[] pixels = new byte[5000];
        rnd.NextBytes(pixels);
        Write(good, Images(5, 20, 50, pixels), gzip: true);
        byte[] bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(cut));
        Assert.Contains(cut, e.Message);
    }

    [Fact]
    public void LabelOutOfRangeNamesFileIndexAndValue()
    {
        using var dir = new TempDir();
        string lab = dir.File("labels");
        File.WriteAllBytes(lab, Labels(1, 9, 12, 3));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(lab));
        Assert.Contains(lab, e.Message);
        Assert.Contains("label 12 at index 2", e.Message);
        Assert.Equal(new[] { 1, 9, 12, 3 }, IdxReader.ReadLabels(lab, numClasses: 13));
    }

    [Fact]
    public void CountMismatchNamesBothFiles()
    {
        using var dir = new TempDir();
        string img = dir.File("images"), lab = dir.File("labels");
        File.WriteAllBytes(img, Images(2, 1, 1, [0, 1]));
        File.WriteAllBytes(lab, Labels(1, 2, 3));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Load(img, lab));
        Assert.Contains(img, e.Message);
        Assert.Contains(lab, e.Message);
        Assert.Contains("2 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void MissingFileNamesPath()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(dir.File("nope")));
        Assert.Contains(dir.File("nope"), e.Message);
        var e2 = Assert.Throws<FileNotFoundException>(() => Mnist.LoadTest(dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e2.Message);
        Assert.Contains("t10k-images-idx3-ubyte ", e2.Message);
    }

    [Fact]
    public void RotationDirections()
    {
        // One 2x3 image [[0,1,2],[3,4,5]].
        float[] x = [0, 1, 2, 3, 4, 5];
        // np.rot90 / tf.image.rot90 (counter-clockwise): [[2,5],[1,4],[0,3]].
        Assert.Equal(new float[] { 2, 5, 1, 4, 0, 3 }, ImageTransforms.Rot90(x, 1, 2, 3, RotationDirection.CounterClockwise));
        // torch.rot90(x, -1) (clockwise): [[3,0],[4,1],[5,2]].
        Assert.Equal(new float[] { 3, 0, 4, 1, 5, 2 }, ImageTransforms.Rot90(x, 1, 2, 3, RotationDirection.Clockwise));

        // Two images: four counter-clockwise turns are the identity, and clockwise undoes counter-clockwise.
        float[] two = [.. x, .. new float[] { 6, 7, 8, 9, 10, 11 }];
        float[] r = ImageTransforms.Rot90(two, 2, 2, 3);
        Assert.Equal(two, ImageTransforms.Rot90(r, 2, 3, 2, RotationDirection.Clockwise));
        r = ImageTransforms.Rot90(ImageTransforms.Rot90(ImageTransforms.Rot90(r, 2, 3, 2), 2, 2, 3), 2, 3, 2);
        Assert.Equal(two, r);
        Assert.Throws<ArgumentException>(() => ImageTransforms.Rot90(x, 2, 2, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AbsurdDeclaredCountsAreRejectedWithoutAllocatingThem(bool gzip)
    {
        using var dir = new TempDir();
        string lab = dir.File("labels"), img = dir.File("images");
        Write(lab, [.. Header(2049, int.MaxValue - 100), 1, 2, 3], gzip);
        Write(img, Images(2_000_000_000, 1, 1, [1, 2, 3]), gzip);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(lab));
        var e2 = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(img));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated for files of a few bytes");
        Assert.Contains(lab, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"{int.MaxValue - 100} labels", e.Message);
        Assert.Contains(img, e2.Message);
        Assert.Contains("truncated", e2.Message);
        Assert.Contains("2000000000 images of 1x1", e2.Message);
    }

    [Fact]
    public void HeadersWhoseSizeOverflowsAreRejected()
    {
        using var dir = new TempDir();
        string img = dir.File("huge");
        File.WriteAllBytes(img, Images(int.MaxValue, int.MaxValue, int.MaxValue, [0]));
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(img));
        Assert.Contains(img, e.Message);
        Assert.Contains("more than one array can hold", e.Message);
    }

    [Fact]
    public void AFolderWhereAFileIsExpectedIsNamedAsAFolder()
    {
        using var dir = new TempDir();
        string folder = dir.File("train-images-idx3-ubyte.gz");
        Directory.CreateDirectory(folder);
        var e = Assert.Throws<IOException>(() => IdxReader.ReadImages(folder));
        Assert.Contains($"{folder} is a directory", e.Message);
        var e2 = Assert.Throws<IOException>(() => Mnist.LoadTrain(dir.Path));
        Assert.Contains($"{folder} is a directory", e2.Message);
        string file = dir.File("plain");
        File.WriteAllText(file, "x");
        Assert.Contains("is a file; expected the folder", Assert.Throws<IOException>(() => Mnist.LoadTrain(file)).Message);
    }

    [Fact]
    public void DamagedGzipSaysCorruptAndCutGzipSaysTruncated()
    {
        using var dir = new TempDir();
        string good = dir.File("good"), crc = dir.File("crc"), cut = dir.File("cut");
        Write(good, Images(2, 2, 3, [0, 255, 51, 1, 2, 3, 4, 5, 6, 7, 8, 9]), gzip: true);
        byte[] bytes = File.ReadAllBytes(good);
        byte[] badCrc = (byte[])bytes.Clone();
        badCrc[^8] ^= 0xFF;   // the CRC-32 of the trailer
        File.WriteAllBytes(crc, badCrc);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(crc));
        Assert.Contains(crc, e.Message);
        Assert.Contains("corrupt gzip data", e.Message);
        Assert.DoesNotContain("unsupported compression method", e.Message);

        File.WriteAllBytes(cut, bytes[..^4]);   // all the data, the trailer cut short
        var e2 = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(cut));
        Assert.Contains(cut, e2.Message);
        Assert.Contains("truncated gzip file", e2.Message);
        Assert.Equal(2, IdxReader.ReadImages(good).Count);
    }

    [Fact]
    public void MnistRejectsEmptySplitsAndImagesThatAreNot28x28NamingTheFile()
    {
        using var dir = new TempDir();
        string images = dir.File(Mnist.TrainImagesFile), labels = dir.File(Mnist.TrainLabelsFile);
        Write(labels, Labels(1, 2), gzip: true);
        Write(images, Images(0, 28, 28, []), gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => Mnist.LoadTrain(dir.Path));
        Assert.Contains(images, e.Message);
        Assert.Contains("holds no images", e.Message);

        Write(images, Images(2, 2, 3, new byte[12]), gzip: true);
        var e2 = Assert.Throws<InvalidDataException>(() => Mnist.LoadTrain(dir.Path));
        Assert.Contains(images, e2.Message);
        Assert.Contains("2x3 pixels; MNIST-format data must be 28x28", e2.Message);

        Write(images, Images(2, 28, 28, new byte[2 * 784]), gzip: true);
        Assert.Equal(2, Mnist.LoadTrain(dir.Path).Count);
    }
}
