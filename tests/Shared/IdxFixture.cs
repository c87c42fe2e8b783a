using System.Buffers.Binary;

namespace MtlSharp.Testing;

/// <summary>
/// Tiny MNIST-layout folders for tests: the four IDX files (unpacked names) with 28×28 images whose pixels come from a
/// function of (image, row, column), and the labels given, so a reader runs without the shared data.
/// </summary>
internal static class IdxFixture
{
    /// <summary>
    /// Writes <c>train-*</c> and <c>t10k-*</c> IDX files into <paramref name="dir"/> (created if needed): image i of a
    /// split has label <paramref name="trainLabels"/>[i] (<paramref name="testLabels"/>[i]) and pixel (y, x) =
    /// <paramref name="pixel"/>(label, i, y, x) (training images) or (label, 1000 + i, y, x) (test images).
    /// </summary>
    public static void Write(string dir, byte[] trainLabels, byte[] testLabels, Func<int, int, int, int, byte> pixel)
    {
        Directory.CreateDirectory(dir);
        Images(Path.Combine(dir, "train-images-idx3-ubyte"), trainLabels, 0, pixel);
        Labels(Path.Combine(dir, "train-labels-idx1-ubyte"), trainLabels);
        Images(Path.Combine(dir, "t10k-images-idx3-ubyte"), testLabels, 1000, pixel);
        Labels(Path.Combine(dir, "t10k-labels-idx1-ubyte"), testLabels);
    }

    private static void Images(string path, byte[] labels, int first, Func<int, int, int, int, byte> pixel)
    {
        using var f = File.Create(path);
        Span<byte> h = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(h, 2051);
        BinaryPrimitives.WriteInt32BigEndian(h[4..], labels.Length);
        BinaryPrimitives.WriteInt32BigEndian(h[8..], 28);
        BinaryPrimitives.WriteInt32BigEndian(h[12..], 28);
        f.Write(h);
        var image = new byte[28 * 28];
        for (int i = 0; i < labels.Length; i++)
        {
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    image[(y * 28) + x] = pixel(labels[i], first + i, y, x);
                }
            }

            f.Write(image);
        }
    }

    private static void Labels(string path, byte[] labels)
    {
        using var f = File.Create(path);
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(h, 2049);
        BinaryPrimitives.WriteInt32BigEndian(h[4..], labels.Length);
        f.Write(h);
        f.Write(labels);
    }
}
