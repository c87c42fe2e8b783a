namespace MtlSharp.Data.Images;

/// <summary>
/// Loads MNIST (or Fashion-MNIST, which uses the same file names and format) from a folder holding the four
/// official IDX files, gzip-compressed (<c>train-images-idx3-ubyte.gz</c>…) or already unpacked (same names
/// without <c>.gz</c>). The images must be 28×28 and each split must hold at least one; otherwise the error names the
/// file.
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

    /// <summary>The side of an MNIST image, in pixels.</summary>
    public const int ImageSide = 28;

    /// <summary>The 60,000 training images (28×28, /255) and labels.</summary>
    public static LabeledImages LoadTrain(string directory) => Load(directory, TrainImagesFile, TrainLabelsFile);

    /// <summary>The 10,000 test images (28×28, /255) and labels.</summary>
    public static LabeledImages LoadTest(string directory) => Load(directory, TestImagesFile, TestLabelsFile);

    /// <summary>
    /// The path of <paramref name="fileName"/> in <paramref name="directory"/>, or of its unpacked variant (without
    /// <c>.gz</c>); throws <see cref="FileNotFoundException"/> naming both when neither exists.
    /// </summary>
    public static string Locate(string directory, string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (File.Exists(directory))
        {
            throw new IOException($"{directory} is a file; expected the folder holding the MNIST files ({fileName}…).");
        }

        string path = Path.Combine(directory, fileName);
        if (Directory.Exists(path))
        {
            throw new IOException($"{path} is a directory, not an IDX file.");
        }

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

    private static LabeledImages Load(string directory, string imagesFile, string labelsFile)
    {
        string images = Locate(directory, imagesFile), labels = Locate(directory, labelsFile);
        IdxImages read = IdxReader.ReadImages(images);
        if (read.Count == 0)
        {
            throw new InvalidDataException($"{images}: the file holds no images (its header declares a count of 0); MNIST data needs at least one.");
        }

        if (read.Rows != ImageSide || read.Cols != ImageSide)
        {
            throw new InvalidDataException(
                $"{images}: the images are {read.Rows}x{read.Cols} pixels; MNIST-format data must be {ImageSide}x{ImageSide}.");
        }

        return IdxReader.Combine(read, images, IdxReader.ReadLabels(labels), labels);
    }
}
