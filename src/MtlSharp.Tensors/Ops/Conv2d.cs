namespace MtlSharp.Tensors;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution (cross-correlation, as PyTorch): x [N, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout]
    /// or null → [N, Cout, Ho, Wo]. Rectangular kernels (1×7, 7×1) and strides allowed.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int strideH, int strideW, PaddingMode padding) => throw new NotImplementedException();

    /// <summary>Conv2d with the same stride on both axes.</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, PaddingMode padding = PaddingMode.Valid) =>
        Conv2d(x, weight, bias, stride, stride, padding);
}
