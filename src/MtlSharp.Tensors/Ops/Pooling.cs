namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>Max pooling of x [N, C, H, W] with a k×k window (padded cells never win).</summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride, PaddingMode padding = PaddingMode.Valid) => throw new NotImplementedException();

    /// <summary>Average pooling of x [N, C, H, W] with a k×k window (averages over the real, unpadded cells).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int stride, PaddingMode padding = PaddingMode.Valid) => throw new NotImplementedException();

    /// <summary>Mean over the spatial axes: [N, C, H, W] → [N, C].</summary>
    public static Tensor GlobalAvgPool(Tensor x) => throw new NotImplementedException();
}
