using MtlSharp.Tensors;

namespace MtlSharp.Data.Images;

/// <summary>
/// MultiMNIST-style images for two-task classification (Sener &amp; Koltun 2018, "Multi-Task Learning as
/// Multi-Objective Optimization", Sec. 6; Lin et al. 2019, "Pareto Multi-Task Learning", Sec. 6.1): two 28×28 items
/// on a 36×36 canvas, one at the up-left corner and one shifted down-right, overlapping where both have ink (the
/// pixel-wise maximum), then resized back to 28×28 by nearest-neighbour sampling. Task 1 is the class of the up-left
/// item, task 2 the class of the down-right item. MultiMNIST takes both items from MNIST, MultiFashion both from
/// Fashion-MNIST, MultiFashion+MNIST the up-left item from MNIST and the down-right one from Fashion-MNIST.
/// </summary>
/// <remarks>
/// <para>What follows Sener &amp; Koltun's released loader (<c>multi_mnist_loader.py</c>), which the papers leave
/// unsaid: the canvas is the item size plus 8 (36 for 28×28 items); the up-left item sits at (0, 0) and the
/// down-right one at (<see cref="DefaultShift"/>, <see cref="DefaultShift"/>) = (6, 6), so the last two rows and
/// columns stay empty; overlapping pixels take the maximum; the canvas is resized to the item size with PIL's
/// nearest-neighbour rule (<c>scipy.misc.imresize(interp='nearest')</c>: output pixel o samples source pixel
/// ⌊(o + ½)·36/28⌋); the up-left items are the source images in order and each gets a partner drawn uniformly at
/// random (with replacement, possibly the same image or class) from the down-right source — one composite per
/// up-left image, so 60,000 training and 10,000 test composites from MNIST, training composites from training
/// images and test composites from test images.</para>
/// <para>Choices of ours: a count larger than the up-left source cycles through it again with fresh partners
/// (Lin et al.'s files hold 120,000/20,000 composites, i.e. two per image), a smaller one uses its first images;
/// the partners come from an explicit <see cref="Rng"/> (the authors' code is unseeded); pixels stay in [0, 1]
/// (no per-image contrast stretch — scipy's <c>imresize</c> byte-scales each canvas to its own maximum, which is a
/// no-op for canvases that reach 255, as nearly every MNIST one does — and no mean/std normalisation).
/// <c>distinctClasses</c> redraws partners of the same class, as Lin et al.'s text ("two images with different
/// digits") and Sabour et al.'s MultiMNIST do; Sener &amp; Koltun's loader does not, so it is off by default.
/// Lin et al.'s released files are the 36×36 canvases themselves (no resize; their LeNet starts with a 9×9
/// convolution); <c>resize: false</c> gives those.</para>
/// </remarks>
public static class MultiDigits
{
    /// <summary>Offset (rows and columns) of the down-right item on the canvas in the authors' loader.</summary>
    public const int DefaultShift = 6;

    /// <summary>How much larger than an item the canvas is (Sabour et al.: every item may move 4 pixels each way).</summary>
    public const int CanvasMargin = 8;

    /// <summary>
    /// <paramref name="count"/> composites: item i (cycling) of <paramref name="upLeft"/> at the up-left corner and
    /// a random item of <paramref name="downRight"/>, drawn from <paramref name="rng"/>, shifted down-right by
    /// <paramref name="shift"/> pixels; resized back to the item size when <paramref name="resize"/>.
    /// </summary>
    public static MultiDigitSet Compose(LabeledImages upLeft, LabeledImages downRight, int count, Rng rng, bool distinctClasses = false, bool resize = true, int shift = DefaultShift)
    {
        ArgumentNullException.ThrowIfNull(upLeft);
        ArgumentNullException.ThrowIfNull(downRight);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (upLeft.Height != downRight.Height || upLeft.Width != downRight.Width)
        {
            throw new ArgumentException($"MultiDigits: the items must have one size, got {upLeft.Height}×{upLeft.Width} and {downRight.Height}×{downRight.Width}.");
        }

        if (upLeft.Count == 0 || downRight.Count == 0)
        {
            throw new ArgumentException("MultiDigits: both sources need at least one image.");
        }

        int h = upLeft.Height, w = upLeft.Width;
        int ch = h + CanvasMargin, cw = w + CanvasMargin;
        if (shift < 0 || shift > CanvasMargin)
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, $"the shift must be in [0, {CanvasMargin}] so the item stays on the canvas.");
        }

        if (distinctClasses && downRight.Labels.Distinct().Count() < 2)
        {
            throw new ArgumentException("MultiDigits: distinct classes need at least two classes among the down-right items.");
        }

        int oh = resize ? h : ch, ow = resize ? w : cw;
        var pixels = new float[(long)count * oh * ow];
        var ulLabels = new int[count];
        var drLabels = new int[count];
        var ulIndex = new int[count];
        var drIndex = new int[count];
        var canvas = new float[ch * cw];
        int[] rows = NearestSource(ch, oh), cols = NearestSource(cw, ow);
        for (int i = 0; i < count; i++)
        {
            int a = i % upLeft.Count;
            int b = rng.NextInt(downRight.Count);
            while (distinctClasses && downRight.Labels[b] == upLeft.Labels[a])
            {
                b = rng.NextInt(downRight.Count);
            }

            Array.Clear(canvas);
            Place(upLeft.Image(a), h, w, canvas, cw, 0);
            Place(downRight.Image(b), h, w, canvas, cw, shift);
            Span<float> dst = pixels.AsSpan(i * oh * ow, oh * ow);
            if (resize)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        dst[(y * ow) + x] = canvas[(rows[y] * cw) + cols[x]];
                    }
                }
            }
            else
            {
                canvas.CopyTo(dst);
            }

            ulLabels[i] = upLeft.Labels[a];
            drLabels[i] = downRight.Labels[b];
            ulIndex[i] = a;
            drIndex[i] = b;
        }

        return new MultiDigitSet(pixels, oh, ow, ulLabels, drLabels, ulIndex, drIndex);
    }

    /// <summary>
    /// For nearest-neighbour resizing from <paramref name="from"/> to <paramref name="to"/> pixels: the source pixel of
    /// each output pixel, ⌊(o + ½)·from/to⌋ (PIL's rule, pixel centres aligned).
    /// </summary>
    public static int[] NearestSource(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, 1);
        var src = new int[to];
        for (int o = 0; o < to; o++)
        {
            src[o] = (int)Math.Min(from - 1, (((2L * o) + 1) * from) / (2L * to));
        }

        return src;
    }

    /// <summary>Writes the item at (offset, offset) of the canvas, keeping the larger value where ink overlaps.</summary>
    private static void Place(ReadOnlySpan<float> item, int h, int w, Span<float> canvas, int canvasWidth, int offset)
    {
        for (int y = 0; y < h; y++)
        {
            Span<float> row = canvas.Slice(((y + offset) * canvasWidth) + offset, w);
            ReadOnlySpan<float> src = item.Slice(y * w, w);
            for (int x = 0; x < w; x++)
            {
                row[x] = Math.Max(row[x], src[x]);
            }
        }
    }
}
