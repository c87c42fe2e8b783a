using MtlSharp.MultiTask.Training.State;
using MtlSharp.Tensors;

namespace MtlSharp.MultiTask.Tasks;

/// <summary>
/// The standard CIFAR augmentation of training batches (the Gumbel-Matrix paper's Sec. V-C, spec A10(f)): every image
/// of side <see cref="Crop"/> is centred on a zero canvas of side <see cref="Pad"/> (offset ⌊(pad − crop)/2⌋, as
/// TensorFlow's <c>resize_with_crop_or_pad</c>; 4 for 32 → 40), and a window of side <see cref="Crop"/> at a random
/// offset (dy, dx), each uniform in 0…pad − crop, is cut out of it — the same window for every channel of an image,
/// a fresh one per image. Offsets come from the <see cref="Rng"/> given (dy, then dx, image by image, in batch order),
/// so a seed gives the same batches; the stream is part of the saved state. Evaluation batches are never augmented.
/// </summary>
public sealed class PadCropAugmentation : IStatefulPart
{
    private readonly Rng _rng;
    private float[] _image = [];

    /// <summary>Creates the augmentation: images of side <paramref name="crop"/>, padded to <paramref name="pad"/>.</summary>
    public PadCropAugmentation(int pad, int crop, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(crop, 1);
        if (pad < crop)
        {
            throw new ArgumentOutOfRangeException(nameof(pad), pad, $"The padded side must be at least the crop side {crop}.");
        }

        Pad = pad;
        Crop = crop;
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
    }

    /// <summary>Side of the zero-padded canvas.</summary>
    public int Pad { get; }

    /// <summary>Side of the images and of the cut-out window.</summary>
    public int Crop { get; }

    /// <summary>Offset of the image on the canvas, ⌊(pad − crop)/2⌋.</summary>
    public int Margin => (Pad - Crop) / 2;

    /// <summary>
    /// Augments <paramref name="batch"/> [B, C, crop, crop] in place, drawing one window offset per image.
    /// </summary>
    public void Apply(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var dims = batch.Shape.Dims;
        if (dims.Length != 4 || dims[2] != Crop || dims[3] != Crop)
        {
            throw new ArgumentException($"Pad-and-crop augmentation takes image batches [batch, channels, {Crop}, {Crop}], got [{string.Join(", ", dims.ToArray())}].", nameof(batch));
        }

        int n = dims[0], channels = dims[1], size = channels * Crop * Crop;
        if (_image.Length != size)
        {
            _image = new float[size];
        }

        Span<float> all = batch.Span;
        int range = Pad - Crop + 1;
        for (int i = 0; i < n; i++)
        {
            int dy = _rng.NextInt(range);
            int dx = _rng.NextInt(range);
            Span<float> image = all.Slice(i * size, size);
            image.CopyTo(_image);
            Window(_image, image, channels, Crop, Margin, dy, dx);
        }
    }

    /// <summary>
    /// The window of side <paramref name="side"/> at (<paramref name="dy"/>, <paramref name="dx"/>) of the zero canvas
    /// holding <paramref name="source"/> [channels, side, side] at offset (<paramref name="margin"/>,
    /// <paramref name="margin"/>), written to <paramref name="destination"/>: destination[c, y, x] =
    /// source[c, y + dy − margin, x + dx − margin] where that lies inside the image, else 0.
    /// </summary>
    public static void Window(ReadOnlySpan<float> source, Span<float> destination, int channels, int side, int margin, int dy, int dx)
    {
        int plane = side * side;
        if (source.Length < channels * plane || destination.Length < channels * plane)
        {
            throw new ArgumentException($"Window: {channels} planes of {side}×{side} do not fit the buffers.");
        }

        int shiftY = dy - margin, shiftX = dx - margin;
        for (int c = 0; c < channels; c++)
        {
            var src = source.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int y = 0; y < side; y++)
            {
                var row = dst.Slice(y * side, side);
                int sy = y + shiftY;
                if (sy < 0 || sy >= side)
                {
                    row.Clear();
                    continue;
                }

                // Columns x with 0 ≤ x + shiftX < side come from the source row; the rest are padding.
                int x0 = Math.Clamp(-shiftX, 0, side), x1 = Math.Clamp(side - shiftX, 0, side);
                row[..x0].Clear();
                if (x1 > x0)
                {
                    src.Slice((sy * side) + x0 + shiftX, x1 - x0).CopyTo(row[x0..x1]);
                }

                row[Math.Max(x0, x1)..].Clear();
            }
        }
    }

    /// <inheritdoc/>
    public void SaveState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.SetRng("rng", _rng);
    }

    /// <inheritdoc/>
    public void LoadState(StateBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        bag.LoadRng("rng", _rng);
    }
}
