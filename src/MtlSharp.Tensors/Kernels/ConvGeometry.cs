namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// The sizes of one 2-D convolution or pooling: input [N, C, H, W], kernel kh×kw, strides, TensorFlow-style
/// padding resolved into output sizes and the padding before (top/left).
/// </summary>
internal readonly struct ConvGeometry
{
    public ConvGeometry(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, PaddingMode padding)
    {
        N = n;
        Cin = cin;
        H = h;
        W = w;
        Cout = cout;
        Kh = kh;
        Kw = kw;
        Sh = sh;
        Sw = sw;
        (Ho, PadTop) = Resolve(h, kh, sh, padding);
        (Wo, PadLeft) = Resolve(w, kw, sw, padding);
    }

    public int N { get; }

    public int Cin { get; }

    public int H { get; }

    public int W { get; }

    public int Cout { get; }

    public int Kh { get; }

    public int Kw { get; }

    public int Sh { get; }

    public int Sw { get; }

    public int Ho { get; }

    public int Wo { get; }

    public int PadTop { get; }

    public int PadLeft { get; }

    /// <summary>Rows of the im2col matrix: Cin·kh·kw.</summary>
    public int K => Cin * Kh * Kw;

    /// <summary>Output pixels per image: Ho·Wo.</summary>
    public int P => Ho * Wo;

    /// <summary>Input pixels per channel: H·W.</summary>
    public int HW => H * W;

    /// <summary>A 1×1, stride-1 convolution: the im2col matrix is the image itself.</summary>
    public bool IsPointwise => Kh == 1 && Kw == 1 && Sh == 1 && Sw == 1;

    /// <summary>
    /// Output size and padding before for one axis (see <see cref="PaddingMode"/>): Valid gives
    /// floor((in − k)/s) + 1 (≤ 0 when the kernel does not fit); Same gives ceil(in/s) with total padding
    /// max((out − 1)·s + k − in, 0), the smaller half before.
    /// </summary>
    public static (int Out, int PadBefore) Resolve(int input, int kernel, int stride, PaddingMode padding)
    {
        if (padding == PaddingMode.Same)
        {
            int o = (input + stride - 1) / stride;
            int total = Math.Max(((o - 1) * stride) + kernel - input, 0);
            return (o, total / 2);
        }

        return (input < kernel ? 0 : ((input - kernel) / stride) + 1, 0);
    }
}
