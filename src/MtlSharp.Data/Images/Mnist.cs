namespace MtlSharp.Data.Images;

/// <summary>
/// Loads MNIST (or Fashion-MNIST, which uses the same file names and format) from a folder holding the four
/// official IDX files, gzip-compressed (<c>train-images-idx3-ubyte.gz</c>…) or already unpacked (same names
/// without <c>.gz</c>).
/// </summary>
public static class Mnist
{
    /// <summary>Training images file name.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";

    /// <summary>Training labels file name.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";

    /// <summary>Test images file name.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";

    /// <summary>Test labels file name.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The 60,000 training images (28×28, /255) and labels.</summary>
    public static LabeledImages LoadTrain(string directory) =>
        IdxReader.Load(Locate(directory, TrainImagesFile), Locate(directory, TrainLabelsFile));

    /// <summary>The 10,000 test images (28×28, /255) and labels.</summary>
    public static LabeledImages LoadTest(string directory) =>
        IdxReader.Load(Locate(directory, TestImagesFile), Locate(directory, TestLabelsFile));

    /// <summary>
    /// The path of <paramref name="fileName"/> in <paramref name="directory"/>, or of its unpacked variant (without
    /// <c>.gz</c>); throws <see cref="FileNotFoundException"/> naming both when neither exists.
    /// </summary>
    public static string Locate(string directory, string fileName)
    {
        string path = Path.Combine(directory, fileName);
        if (File.Exists(path))
        {
            return path;
        }

        if (fileName.EndsWith(".gz", StringComparison.Ordinal))
        {
            string unpacked = path[..^3];
            if (File.Exists(unpacked))
            {
                return unpacked;
            }

            throw new FileNotFoundException(
                $"MNIST file not found: neither {path} nor {unpacked} exists; fetch it with `mtl download mnist --data DIR` (or DatasetDownloader with KnownDatasets.Mnist).", path);
        }

        throw new FileNotFoundException($"MNIST file not found: {path}.", path);
    }
}
