namespace MtlSharp.Data.Images;

/// <summary>The content of an IDX image file: pixels /255 as row-major [Count, Rows * Cols].</summary>
/// <param name="Pixels">Pixel values in [0, 1], [Count, Rows * Cols].</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows per image.</param>
/// <param name="Cols">Columns per image.</param>
public sealed record IdxImages(float[] Pixels, int Count, int Rows, int Cols);
