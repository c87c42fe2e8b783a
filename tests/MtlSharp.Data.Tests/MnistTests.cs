using MtlSharp.Data.Images;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

/// <summary>The real MNIST files in shared/datasets/mnist.</summary>
public sealed class MnistTests
{
    private static string Dir => Path.Combine(Fixtures.DatasetsDir, "mnist");

    private static int[] Histogram(int[] labels)
    {
        var h = new int[10];
        foreach (int l in labels)
        {
            h[l]++;
        }

        return h;
    }

    private static double Mean(float[] x)
    {
        double s = 0;
        foreach (float v in x)
        {
            s += v;
        }

        return s / x.Length;
    }

    [DatasetFact("mnist")]
    public void TestSplitHeaderCountsAndPixelStatistics()
    {
        LabeledImages test = Mnist.LoadTest(Dir);
        Assert.Equal(10000, test.Count);
        Assert.Equal(28, test.Height);
        Assert.Equal(28, test.Width);
        Assert.Equal(10000 * 784, test.Pixels.Length);
        Assert.Equal(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 }, Histogram(test.Labels)); // SOURCE.md
        Assert.Equal(new[] { 7, 2, 1, 0, 4 }, test.Labels[..5]);
        Assert.InRange(Mean(test.Pixels), 0.1324, 0.1326); // the well-known MNIST test mean 0.1325
        Assert.Equal(0f, test.Pixels.Min());
        Assert.Equal(1f, test.Pixels.Max());
    }

    [DatasetFact("mnist")]
    public void TrainSplitHeaderCountsAndPixelStatistics()
    {
        LabeledImages train = Mnist.LoadTrain(Dir);
        Assert.Equal(60000, train.Count);
        Assert.Equal(new[] { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949 }, Histogram(train.Labels)); // SOURCE.md
        Assert.Equal(new[] { 5, 0, 4, 1, 9 }, train.Labels[..5]);
        Assert.InRange(Mean(train.Pixels), 0.1306, 0.1308); // the usual normalisation mean 0.1307
    }

    [DatasetFact("mnist")]
    public void FourMnistsShareDataAndRotate()
    {
        LabeledImages test = Mnist.LoadTest(Dir);
        IReadOnlyList<ImageTask> tasks = FourMnists.Create(test, test); // the test set stands in for train to keep this fast
        Assert.Equal(FourMnists.TaskNames, tasks.Select(t => t.Name).ToArray());
        Assert.Same(tasks[0].Train, tasks[1].Train);
        Assert.Same(tasks[0].Test, tasks[1].Test);
        Assert.Same(tasks[2].Train, tasks[3].Train);
        Assert.Same(tasks[2].Test, tasks[3].Test);
        Assert.Same(test, tasks[0].Train);
        Assert.Same(test.Labels, tasks[2].Train.Labels);
        Assert.All(tasks, t => Assert.Equal(10, t.NumClasses));

        // Counter-clockwise (tf.image.rot90): rotated[i, j] = original[j, 27 - i].
        LabeledImages rot = tasks[2].Train;
        for (int n = 0; n < 3; n++)
        {
            ReadOnlySpan<float> a = test.Image(n), b = rot.Image(n);
            for (int i = 0; i < 28; i++)
            {
                for (int j = 0; j < 28; j++)
                {
                    Assert.Equal(a[(j * 28) + 27 - i], b[(i * 28) + j]);
                }
            }
        }

        IReadOnlyList<ImageTask> cw = FourMnists.Create(test, test, RotationDirection.Clockwise);
        Assert.True(test.Pixels.AsSpan().SequenceEqual(cw[3].Test.Rotate90(RotationDirection.CounterClockwise).Pixels));
    }
}
