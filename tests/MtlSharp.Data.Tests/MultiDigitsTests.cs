using MtlSharp.Data.Images;
using MtlSharp.Tensors;
using MtlSharp.Testing;

namespace MtlSharp.Data.Tests;

/// <summary>MultiMNIST-style composites (<see cref="MultiDigits"/>): placement, overlap, resize, labels, determinism.</summary>
public sealed class MultiDigitsTests
{
    /// <summary><paramref name="count"/> 28×28 images of constant <paramref name="value"/> with labels 0, 1, 2, … (mod 10).</summary>
    private static LabeledImages Constant(float value, int count = 10) =>
        new(Enumerable.Repeat(value, count * 784).ToArray(), Enumerable.Range(0, count).Select(i => i % 10).ToArray(), 28, 28);

    private static double Mass(ReadOnlySpan<float> image, int width, int y0, int x0, int size)
    {
        double s = 0;
        for (int y = y0; y < y0 + size; y++)
        {
            for (int x = x0; x < x0 + size; x++)
            {
                s += image[(y * width) + x];
            }
        }

        return s;
    }

    [Fact]
    public void NearestResizeSamplesPixelCentresAsPil()
    {
        int[] src = MultiDigits.NearestSource(36, 28);
        Assert.Equal(28, src.Length);
        for (int o = 0; o < 28; o++)
        {
            Assert.Equal((int)Math.Floor((o + 0.5) * 36 / 28), src[o]);
        }

        Assert.Equal([0, 1, 3, 4, 5, 7, 8, 9], src[..8]);
        Assert.Equal(35, src[^1]);
        Assert.Equal(Enumerable.Range(0, 28), MultiDigits.NearestSource(28, 28));   // same size: identity
    }

    [Fact]
    public void TheCanvasHasTheUpLeftItemAtTheCornerAndTheOtherShiftedSixDownRightWithTheMaximumWhereTheyOverlap()
    {
        var upLeft = Constant(0.25f);
        var downRight = new LabeledImages(new float[10 * 784], Enumerable.Repeat(7, 10).ToArray(), 28, 28);
        for (int i = 0; i < 10; i++)
        {
            downRight.Pixels[(i * 784) + (27 * 28) + 27] = 1f;   // its last pixel
            downRight.Pixels[(i * 784) + 0] = 0.75f;             // its first pixel (inside the overlap)
            downRight.Pixels[(i * 784) + 1] = 0.1f;              // below the up-left item's 0.25: the max keeps 0.25
        }

        var set = MultiDigits.Compose(upLeft, downRight, 3, new Rng(1), resize: false);
        Assert.Equal(36, set.Height);
        Assert.Equal(36, set.Width);
        float[] canvas = set.Image(0).ToArray();
        float At(int y, int x) => canvas[(y * 36) + x];
        Assert.Equal(0.25f, At(0, 0));
        Assert.Equal(0.25f, At(27, 27));
        Assert.Equal(0f, At(28, 28));        // outside the up-left item, an empty pixel of the down-right one
        Assert.Equal(0.75f, At(6, 6));       // overlap: max(0.25, 0.75)
        Assert.Equal(0.25f, At(6, 7));       // overlap: max(0.25, 0.1)
        Assert.Equal(1f, At(33, 33));        // the down-right item's last pixel
        for (int k = 0; k < 36; k++)
        {
            Assert.Equal(0f, At(34, k));     // the authors' shift of 6 leaves the last two rows and columns empty
            Assert.Equal(0f, At(k, 35));
            Assert.Equal(k < 28 ? 0.25f : 0f, At(0, k));
        }
    }

    [Fact]
    public void EachItemsInkLandsInItsCornerOfTheResizedImage()
    {
        var ink = Constant(1f);
        var blank = Constant(0f);
        var up = MultiDigits.Compose(ink, blank, 4, new Rng(2));
        var down = MultiDigits.Compose(blank, ink, 4, new Rng(2));
        Assert.Equal(28, up.Height);
        Assert.Equal(28, up.Width);
        Assert.Equal(4 * 784, up.Pixels.Length);
        for (int i = 0; i < 4; i++)
        {
            var a = up.Image(i);
            var b = down.Image(i);
            Assert.Equal(14 * 14, Mass(a, 28, 0, 0, 14));                          // up-left quadrant all ink
            Assert.True(Mass(a, 28, 14, 14, 14) < 0.6 * 14 * 14);                 // down-right quadrant mostly empty
            Assert.True(Mass(b, 28, 14, 14, 14) > 0.6 * 14 * 14);
            Assert.True(Mass(b, 28, 0, 0, 14) < 0.6 * 14 * 14);
            Assert.Equal(0f, a[(27 * 28) + 27]);                                    // source pixel (35, 35): empty
            Assert.Equal(0f, b[0]);                                                 // source pixel (0, 0): the down-right item does not reach it
            Assert.Equal(1f, b[(25 * 28) + 25]);                                    // source pixel (32, 32)
            Assert.Equal(0f, b[(26 * 28) + 26]);                                    // source pixel (34, 34): empty
        }
    }

    [Fact]
    public void LabelsFollowTheItemsAndThePartnersAreDeterministicInTheRng()
    {
        var upLeft = Constant(0.5f, 25);
        var downRight = new LabeledImages(new float[40 * 784], Enumerable.Range(0, 40).Select(i => (i * 3) % 10).ToArray(), 28, 28);
        var a = MultiDigits.Compose(upLeft, downRight, 60, new Rng(11));
        var b = MultiDigits.Compose(upLeft, downRight, 60, new Rng(11));
        var c = MultiDigits.Compose(upLeft, downRight, 60, new Rng(12));
        Assert.Equal(60, a.Count);
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(i % 25, a.UpLeftIndex[i]);                                 // up-left items in order, cycling
            Assert.Equal(upLeft.Labels[a.UpLeftIndex[i]], a.UpLeftLabels[i]);
            Assert.Equal(downRight.Labels[a.DownRightIndex[i]], a.DownRightLabels[i]);
        }

        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.DownRightIndex, b.DownRightIndex);
        Assert.NotEqual(a.DownRightIndex, c.DownRightIndex);
        Assert.True(a.DownRightIndex.Distinct().Count() > 20);                      // partners spread over the source

        var distinct = MultiDigits.Compose(upLeft, downRight, 60, new Rng(11), distinctClasses: true);
        Assert.All(Enumerable.Range(0, 60), i => Assert.NotEqual(distinct.UpLeftLabels[i], distinct.DownRightLabels[i]));

        var (head, tail) = a.SplitAt(45);
        Assert.Equal(45, head.Count);
        Assert.Equal(15, tail.Count);
        Assert.Equal(a.DownRightLabels[45..], tail.DownRightLabels);
        Assert.Equal(a.Image(45).ToArray(), tail.Image(0).ToArray());
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var ok = Constant(1f);
        Assert.Throws<ArgumentException>(() => MultiDigits.Compose(ok, new LabeledImages(new float[16], [0], 4, 4), 1, new Rng(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiDigits.Compose(ok, ok, 1, new Rng(0), shift: 9));
        Assert.Throws<ArgumentException>(() => MultiDigits.Compose(ok, new LabeledImages(new float[784], [3], 28, 28), 1, new Rng(0), distinctClasses: true));
    }

    [DatasetFact("mnist")]
    public void RealCompositesAreTheMaximumOfTheTwoPlacedDigitsSampledBackTo28()
    {
        string dir = Path.Combine(Fixtures.DatasetsDir, "mnist");
        var test = Mnist.LoadTest(dir);
        var set = MultiDigits.Compose(test, test, 200, new Rng(5));
        int[] src = MultiDigits.NearestSource(36, 28);
        for (int i = 0; i < set.Count; i++)
        {
            var ul = test.Image(set.UpLeftIndex[i]);
            var dr = test.Image(set.DownRightIndex[i]);
            var img = set.Image(i);
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    int sy = src[y], sx = src[x];
                    float a = sy < 28 && sx < 28 ? ul[(sy * 28) + sx] : 0f;
                    float b = sy is >= 6 and < 34 && sx is >= 6 and < 34 ? dr[((sy - 6) * 28) + sx - 6] : 0f;
                    Assert.Equal(Math.Max(a, b), img[(y * 28) + x]);
                }
            }

            Assert.Equal(test.Labels[i], set.UpLeftLabels[i]);
        }

        Assert.InRange(set.Pixels.Max(), 1f, 1f);
        Assert.True(set.Pixels.Min() >= 0f);
    }

    [DatasetFact("fashion-mnist")]
    public void FashionAndMnistTakesTheUpLeftItemFromMnistAndTheDownRightFromFashion()
    {
        var digits = Mnist.LoadTest(Path.Combine(Fixtures.DatasetsDir, "mnist"));
        var fashion = Mnist.LoadTest(Path.Combine(Fixtures.DatasetsDir, "fashion-mnist"));
        var set = MultiDigits.Compose(digits, fashion, 100, new Rng(3));
        for (int i = 0; i < set.Count; i++)
        {
            Assert.Equal(digits.Labels[i], set.UpLeftLabels[i]);
            Assert.Equal(fashion.Labels[set.DownRightIndex[i]], set.DownRightLabels[i]);
        }
    }
}
