using MtlSharp.Data.Tasks;
using MtlSharp.MultiTask.Tasks;
using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tests.Tasks;

/// <summary>
/// The pad-to-40, random-32-crop augmentation (spec A10(f)): the output keeps the batch's shape, every image is a
/// window of its zero-padded self, a seed gives the same windows, and only training batches are augmented (the
/// split's arrays are untouched).
/// </summary>
public sealed class PadCropAugmentationTests
{
    /// <summary>A 4×4 image 1…16 centred on an 8×8 zero canvas (margin 2).</summary>
    private static readonly float[] Image = [.. Enumerable.Range(1, 16).Select(i => (float)i)];

    private static float[] Window(int dy, int dx)
    {
        var dst = new float[16];
        PadCropAugmentation.Window(Image, dst, 1, 4, 2, dy, dx);
        return dst;
    }

    [Fact]
    public void TheCentreWindowIsTheImageAndTheCornerWindowsShiftInZeros()
    {
        Assert.Equal(Image, Window(2, 2));
        Assert.Equal(
            [
                0, 0, 0, 0,
                0, 0, 0, 0,
                0, 0, 1, 2,
                0, 0, 5, 6,
            ],
            Window(0, 0));
        Assert.Equal(
            [
                11, 12, 0, 0,
                15, 16, 0, 0,
                0, 0, 0, 0,
                0, 0, 0, 0,
            ],
            Window(4, 4));
        Assert.Equal(
            [
                0, 1, 2, 3,
                0, 5, 6, 7,
                0, 9, 10, 11,
                0, 13, 14, 15,
            ],
            Window(2, 1));
    }

    [Fact]
    public void APaddingWiderThanTheImageCanLeaveAWindowOfZeros()
    {
        var dst = new float[16];
        dst.AsSpan().Fill(7f);
        PadCropAugmentation.Window(Image, dst, 1, 4, 6, 0, 0);   // pad 16: window at the canvas corner, off the image
        Assert.All(dst, v => Assert.Equal(0f, v));
    }

    /// <summary>A batch of <paramref name="n"/> random images [n, channels, 32, 32].</summary>
    private static float[] RandomImages(int n, int channels, ulong seed)
    {
        var x = new float[n * channels * 32 * 32];
        new Rng(seed).FillUniform(x, 0.1f, 1f);   // no zeros, so padding is visible
        return x;
    }

    private static float[] Augment(float[] images, int n, int channels, ulong seed)
    {
        var t = Tensor.Wrap((float[])images.Clone(), 0, new Shape([n, channels, 32, 32]));
        var aug = new PadCropAugmentation(40, 32, new Rng(seed));
        Assert.Equal(4, aug.Margin);
        aug.Apply(t);
        Assert.Equal([n, channels, 32, 32], t.Shape.ToArray());
        return t.ToArray();
    }

    [Fact]
    public void EveryImageBecomesAWindowOfItsZeroPaddedSelfTheSameForEveryChannel()
    {
        const int n = 12, channels = 2, plane = 32 * 32;
        float[] x = RandomImages(n, channels, 1);
        float[] y = Augment(x, n, channels, 7);
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < n; i++)
        {
            var src = x.AsSpan(i * channels * plane, channels * plane).ToArray();
            var got = y.AsSpan(i * channels * plane, channels * plane).ToArray();
            var matches = new List<(int, int)>();
            for (int dy = 0; dy <= 8; dy++)
            {
                for (int dx = 0; dx <= 8; dx++)
                {
                    var expected = new float[channels * plane];
                    PadCropAugmentation.Window(src, expected, channels, 32, 4, dy, dx);
                    if (expected.AsSpan().SequenceEqual(got))
                    {
                        matches.Add((dy, dx));
                    }
                }
            }

            Assert.Single(matches);   // one window of the 9 × 9 possible offsets, applied to both channels alike
            offsets.Add(matches[0]);
        }

        Assert.True(offsets.Count > 1, "the offsets are drawn per image");
    }

    [Fact]
    public void TheSameSeedGivesTheSameWindowsAndAnotherSeedOthers()
    {
        float[] x = RandomImages(16, 1, 2);
        Assert.Equal(Augment(x, 16, 1, 5), Augment(x, 16, 1, 5));
        Assert.NotEqual(Augment(x, 16, 1, 5), Augment(x, 16, 1, 6));
        Assert.NotEqual(x, Augment(x, 16, 1, 5));
    }

    [Fact]
    public void ASavedStateContinuesTheStreamExactly()
    {
        float[] x = RandomImages(4, 1, 3);
        var a = new PadCropAugmentation(40, 32, new Rng(9));
        var first = Tensor.Wrap((float[])x.Clone(), 0, new Shape([4, 1, 32, 32]));
        a.Apply(first);
        var bag = new StateBag();
        a.SaveState(bag);
        var next = Tensor.Wrap((float[])x.Clone(), 0, new Shape([4, 1, 32, 32]));
        a.Apply(next);

        var b = new PadCropAugmentation(40, 32, new Rng(123));
        b.LoadState(bag);
        var resumed = Tensor.Wrap((float[])x.Clone(), 0, new Shape([4, 1, 32, 32]));
        b.Apply(resumed);
        Assert.Equal(next.ToArray(), resumed.ToArray());
    }

    [Fact]
    public void OnlyBatchesOfTheRightSideAreAccepted()
    {
        var aug = new PadCropAugmentation(40, 32, new Rng(0));
        Assert.Throws<ArgumentException>(() => aug.Apply(Tensor.Wrap(new float[2 * 28 * 28], 0, new Shape([2, 1, 28, 28]))));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PadCropAugmentation(30, 32, new Rng(0)));
    }

    [Fact]
    public void TrainingBatchesAreAugmentedAndTheSplitItselfIsNot()
    {
        float[] pixels = RandomImages(8, 1, 4);
        float[] copy = (float[])pixels.Clone();
        var split = new TaskSplit(pixels, [1, 32, 32], [0, 1, 0, 1, 0, 1, 0, 1], null);
        var task = new TaskData("t", TaskKind.Classification, 2, split, split);
        var plain = new SplitTrainingData([task], 8, [new Rng(1)]);
        var augmented = new SplitTrainingData([task], 8, [new Rng(1)], new PadCropAugmentation(40, 32, new Rng(2)));
        for (int step = 0; step < 3; step++)
        {
            var p = plain.Next([0]).Parts[0];
            var a = augmented.Next([0]).Parts[0];
            Assert.Equal(p.Targets.Labels, a.Targets.Labels);                                   // the same rows, in the same order
            Assert.NotEqual(((TensorInput)p.Input).Value.ToArray(), ((TensorInput)a.Input).Value.ToArray());
        }

        Assert.Equal(copy, pixels);                                                             // the stored images are untouched
        Assert.Equal(copy, split.InputsRange(0, 8).ToArray());                                  // what evaluation reads
    }
}
