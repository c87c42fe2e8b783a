namespace MtlSharp.MultiTask.Configuration;

/// <summary>
/// Training-batch augmentation (<c>data.augment</c>): pad every image with zeros to <paramref name="Pad"/>×<paramref name="Pad"/>
/// and cut out a random <paramref name="Crop"/>×<paramref name="Crop"/> window (<see cref="Tasks.PadCropAugmentation"/>);
/// the crop is the image side, so the network's input shape is unchanged.
/// </summary>
/// <param name="Pad">Side of the zero-padded canvas.</param>
/// <param name="Crop">Side of the window (the image side).</param>
public sealed record PadCropSpec(int Pad, int Crop);
