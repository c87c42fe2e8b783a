using MtlSharp.Data.Images;

namespace MtlSharp.Data.Tests;

/// <summary>
/// <see cref="ImageTransforms.ResizeBilinear"/> against values worked out by hand from TensorFlow's rule (half-pixel
/// centres: output pixel i reads source coordinate (i + ½)·in/out − ½, clamped to the image).
/// </summary>
public sealed class ResizeBilinearTests
{
    [Fact]
    public void ATwoByTwoImageEnlargedToFourByFourInterpolatesBetweenItsPixels()
    {
        // Source coordinates of the 4 outputs: −0.25 → 0 (clamped), 0.25, 0.75, 1.25 → 1 (clamped).
        float[] src = [0, 1, 2, 3];
        float[] expected =
        [
            0.0f, 0.25f, 0.75f, 1.0f,
            0.5f, 0.75f, 1.25f, 1.5f,
            1.5f, 1.75f, 2.25f, 2.5f,
            2.0f, 2.25f, 2.75f, 3.0f,
        ];
        Assert.Equal(expected, ImageTransforms.ResizeBilinear(src, 1, 2, 2, 4, 4));
    }

    [Fact]
    public void HalvingAveragesEachTwoByTwoBlock()
    {
        // Source coordinates of the 2 outputs: 0.5 and 2.5, each halfway between two pixels.
        float[] src = [.. Enumerable.Range(0, 16).Select(i => (float)i)];
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], ImageTransforms.ResizeBilinear(src, 1, 4, 4, 2, 2));
    }

    [Fact]
    public void EveryImageOfABatchIsResizedOnItsOwnAndTheSameSizeIsACopy()
    {
        float[] two = [0, 1, 2, 3, 10, 10, 10, 10];   // a ramp, then a constant image
        float[] r = ImageTransforms.ResizeBilinear(two, 2, 2, 2, 3, 3);
        Assert.Equal(18, r.Length);
        Assert.Equal(ImageTransforms.ResizeBilinear(two.AsSpan(0, 4), 1, 2, 2, 3, 3), r[..9]);
        Assert.All(r[9..], v => Assert.Equal(10f, v));
        Assert.Equal(two, ImageTransforms.ResizeBilinear(two, 2, 2, 2, 2, 2));
    }

    [Fact]
    public void AnMnistSizedImageGrowsTo32WithItsCornersAndRangeKept()
    {
        var src = new float[28 * 28];
        for (int i = 0; i < src.Length; i++)
        {
            src[i] = (i % 28) / 27f;   // 0 at the left edge, 1 at the right
        }

        float[] r = ImageTransforms.ResizeBilinear(src, 1, 28, 28, 32, 32);
        Assert.Equal(32 * 32, r.Length);
        Assert.Equal(0f, r[0]);
        Assert.Equal(1f, r[31]);
        Assert.All(r, v => Assert.InRange(v, 0f, 1f));
        for (int y = 1; y < 32; y++)
        {
            Assert.Equal(r.AsSpan(0, 32).ToArray(), r.AsSpan(y * 32, 32).ToArray());   // every row the same ramp
        }

        for (int x = 1; x < 32; x++)
        {
            Assert.True(r[x] >= r[x - 1]);
        }
    }

    [Fact]
    public void ArgumentsThatDoNotFitAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ImageTransforms.ResizeBilinear(new float[5], 1, 2, 2, 4, 4));
        Assert.Throws<ArgumentException>(() => ImageTransforms.ResizeBilinear(new float[4], 1, 2, 2, 0, 4));
    }
}
