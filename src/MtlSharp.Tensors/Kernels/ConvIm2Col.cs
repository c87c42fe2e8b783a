namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// im2col / col2im for one image over a band of output rows. The column matrix is [K, T] with K = Cin·kh·kw
/// (row index (ci·kh + ky)·kw + kx) and T = rows·Wo (column index (oh − oh0)·Wo + ow), so the convolution of the
/// band is W[Cout, K] · col[K, T]. Padded cells read as zero (and receive no gradient).
/// </summary>
internal static unsafe class ConvIm2Col
{
    /// <summary>Fills <paramref name="col"/> [K, rows·Wo] from image <paramref name="x"/> [Cin, H, W].</summary>
    public static void Im2Col(ReadOnlySpan<float> x, in ConvGeometry g, int oh0, int rows, Span<float> col)
    {
        int t = rows * g.Wo;
        if (x.Length < g.Cin * g.HW || col.Length < g.K * t)
        {
            throw new ArgumentException("Im2Col: buffers too small.");
        }

        int wo = g.Wo, w = g.W, sw = g.Sw;
        fixed (float* px = x)
        fixed (float* pc = col)
        {
            float* dst = pc;
            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* plane = px + ((long)ci * g.HW);
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        int off = kx - g.PadLeft;
                        (int ow0, int ow1) = ValidRange(off, sw, w, wo);
                        for (int r = 0; r < rows; r++, dst += wo)
                        {
                            int ih = ((oh0 + r) * g.Sh) - g.PadTop + ky;
                            if ((uint)ih >= (uint)g.H)
                            {
                                new Span<float>(dst, wo).Clear();
                                continue;
                            }

                            float* src = plane + ((long)ih * w) + off;
                            for (int ow = 0; ow < ow0; ow++)
                            {
                                dst[ow] = 0;
                            }

                            if (sw == 1)
                            {
                                new ReadOnlySpan<float>(src + ow0, ow1 - ow0).CopyTo(new Span<float>(dst + ow0, ow1 - ow0));
                            }
                            else
                            {
                                for (int ow = ow0; ow < ow1; ow++)
                                {
                                    dst[ow] = src[ow * sw];
                                }
                            }

                            for (int ow = ow1; ow < wo; ow++)
                            {
                                dst[ow] = 0;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Adds the column gradient <paramref name="col"/> [K, rows·Wo] back into image gradient <paramref name="dx"/> [Cin, H, W].</summary>
    public static void Col2ImAdd(ReadOnlySpan<float> col, in ConvGeometry g, int oh0, int rows, Span<float> dx)
    {
        int t = rows * g.Wo;
        if (dx.Length < g.Cin * g.HW || col.Length < g.K * t)
        {
            throw new ArgumentException("Col2Im: buffers too small.");
        }

        int wo = g.Wo, w = g.W, sw = g.Sw;
        fixed (float* pc = col)
        fixed (float* pd = dx)
        {
            float* src = pc;
            for (int ci = 0; ci < g.Cin; ci++)
            {
                float* plane = pd + ((long)ci * g.HW);
                for (int ky = 0; ky < g.Kh; ky++)
                {
                    for (int kx = 0; kx < g.Kw; kx++)
                    {
                        int off = kx - g.PadLeft;
                        (int ow0, int ow1) = ValidRange(off, sw, w, wo);
                        for (int r = 0; r < rows; r++, src += wo)
                        {
                            int ih = ((oh0 + r) * g.Sh) - g.PadTop + ky;
                            if ((uint)ih >= (uint)g.H)
                            {
                                continue;
                            }

                            float* dst = plane + ((long)ih * w) + off;
                            if (sw == 1)
                            {
                                var d = new Span<float>(dst + ow0, ow1 - ow0);
                                System.Numerics.Tensors.TensorPrimitives.Add(d, new ReadOnlySpan<float>(src + ow0, ow1 - ow0), d);
                            }
                            else
                            {
                                for (int ow = ow0; ow < ow1; ow++)
                                {
                                    dst[ow * sw] += src[ow];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns [ow0, ow1) whose input column ow·s + off lies inside [0, w).</summary>
    private static (int Ow0, int Ow1) ValidRange(int off, int s, int w, int wo)
    {
        int ow0 = off >= 0 ? 0 : (-off + s - 1) / s;
        int last = w - 1 - off;
        int ow1 = last < 0 ? 0 : Math.Min(wo, (last / s) + 1);
        ow0 = Math.Min(ow0, ow1);
        return (ow0, ow1);
    }
}
