namespace MtlSharp.Tensors.Kernels;

/// <summary>
/// Max and average pooling over k×k windows of [H, W] planes (planes [p0, p1) of an [N·C, H, W] buffer), with
/// windows clipped to the real cells (TensorFlow 'SAME' semantics: padded cells never win the max and do not count
/// in the average). The geometry uses Kh = Kw = k, Sh = Sw = stride.
/// </summary>
internal static unsafe class PoolKernels
{
    /// <summary>Max over each window; <paramref name="argmax"/> gets the in-plane index (h·W + w) of the first maximum (NaN wins, as in PyTorch).</summary>
    public static void MaxForward(float* x, float* y, int* argmax, in ConvGeometry g, int p0, int p1)
    {
        int hw = g.HW, po = g.P;
        for (int p = p0; p < p1; p++)
        {
            float* xp = x + ((long)p * hw);
            float* yp = y + ((long)p * po);
            int* ap = argmax + ((long)p * po);
            for (int oh = 0; oh < g.Ho; oh++)
            {
                (int h0, int h1) = Window(oh, g.Sh, g.PadTop, g.Kh, g.H);
                for (int ow = 0; ow < g.Wo; ow++)
                {
                    (int w0, int w1) = Window(ow, g.Sw, g.PadLeft, g.Kw, g.W);
                    int bi = (h0 * g.W) + w0;
                    float best = xp[bi];
                    for (int h = h0; h < h1; h++)
                    {
                        float* row = xp + (h * g.W);
                        for (int w = w0; w < w1; w++)
                        {
                            float v = row[w];
                            if (v > best || (float.IsNaN(v) && !float.IsNaN(best)))
                            {
                                best = v;
                                bi = (h * g.W) + w;
                            }
                        }
                    }

                    int o = (oh * g.Wo) + ow;
                    yp[o] = best;
                    ap[o] = bi;
                }
            }
        }
    }

    /// <summary>Routes each output gradient to its window's saved argmax (adds).</summary>
    public static void MaxBackward(float* gy, int* argmax, float* gx, in ConvGeometry g, int p0, int p1)
    {
        int hw = g.HW, po = g.P;
        for (int p = p0; p < p1; p++)
        {
            float* gxp = gx + ((long)p * hw);
            float* gyp = gy + ((long)p * po);
            int* ap = argmax + ((long)p * po);
            for (int o = 0; o < po; o++)
            {
                gxp[ap[o]] += gyp[o];
            }
        }
    }

    /// <summary>Mean over the real cells of each window.</summary>
    public static void AvgForward(float* x, float* y, in ConvGeometry g, int p0, int p1)
    {
        if (PoolAvg2x2.Applies(g))
        {
            PoolAvg2x2.Forward(x, y, g, p0, p1);
            return;
        }

        int hw = g.HW, po = g.P;
        for (int p = p0; p < p1; p++)
        {
            float* xp = x + ((long)p * hw);
            float* yp = y + ((long)p * po);
            for (int oh = 0; oh < g.Ho; oh++)
            {
                (int h0, int h1) = Window(oh, g.Sh, g.PadTop, g.Kh, g.H);
                for (int ow = 0; ow < g.Wo; ow++)
                {
                    (int w0, int w1) = Window(ow, g.Sw, g.PadLeft, g.Kw, g.W);
                    float s = 0;
                    for (int h = h0; h < h1; h++)
                    {
                        float* row = xp + (h * g.W);
                        for (int w = w0; w < w1; w++)
                        {
                            s += row[w];
                        }
                    }

                    yp[(oh * g.Wo) + ow] = s / ((h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    /// <summary>Spreads each output gradient evenly over its window's real cells (adds).</summary>
    public static void AvgBackward(float* gy, float* gx, in ConvGeometry g, int p0, int p1)
    {
        if (PoolAvg2x2.Applies(g))
        {
            PoolAvg2x2.Backward(gy, gx, g, p0, p1);
            return;
        }

        int hw = g.HW, po = g.P;
        for (int p = p0; p < p1; p++)
        {
            float* gxp = gx + ((long)p * hw);
            float* gyp = gy + ((long)p * po);
            for (int oh = 0; oh < g.Ho; oh++)
            {
                (int h0, int h1) = Window(oh, g.Sh, g.PadTop, g.Kh, g.H);
                for (int ow = 0; ow < g.Wo; ow++)
                {
                    (int w0, int w1) = Window(ow, g.Sw, g.PadLeft, g.Kw, g.W);
                    float v = gyp[(oh * g.Wo) + ow] / ((h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                    {
                        float* row = gxp + (h * g.W);
                        for (int w = w0; w < w1; w++)
                        {
                            row[w] += v;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The real input cells [start, end) under output position <paramref name="o"/> (never empty).</summary>
    private static (int Start, int End) Window(int o, int s, int pad, int k, int size)
    {
        int start = (o * s) - pad;
        return (Math.Max(start, 0), Math.Min(start + k, size));
    }
}
